#include "textflag.h"

// See sighandler.go. The kernel calls sigHandler as a C function:
// DI = signal number, SI = siginfo, DX = ucontext, and the return address
// on the stack is the restorer that calls rt_sigreturn.
TEXT ·sigHandler(SB),NOSPLIT|NOFRAME,$0
	LEAQ	·sigChain(SB), R8
	MOVQ	(R8)(DI*8), R8
	TESTQ	R8, R8
	JZ	queue
	MOVL	8(SI), R9 // si_code: > 0 means the kernel raised it (a fault)
	CMPL	R9, $0
	JLE	queue
	JMP	R8 // the runtime's handler, with the kernel's registers and stack
queue:
	LEAQ	·sigCounts(SB), SI
	MOVL	$1, AX
	LOCK
	XADDL	AX, (SI)(DI*4)
	MOVL	$1, ·sigWake(SB)
	LEAQ	·sigWake(SB), DI
	MOVL	$129, SI // FUTEX_WAKE_PRIVATE
	MOVL	$1, DX
	MOVL	$202, AX // futex
	SYSCALL
	RET

TEXT ·sigNop(SB),NOSPLIT|NOFRAME,$0
	RET

// func handlerPCs() (handler, nop uintptr)
TEXT ·handlerPCs(SB),NOSPLIT,$0-16
	MOVQ	$·sigHandler(SB), AX
	MOVQ	AX, handler+0(FP)
	MOVQ	$·sigNop(SB), AX
	MOVQ	AX, nop+8(FP)
	RET
