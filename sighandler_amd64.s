#include "textflag.h"

// See sighandler.go. The kernel calls sigHandler as a C function:
// DI = signal number, SI = siginfo, DX = ucontext, and the return address
// on the stack is the restorer that calls rt_sigreturn.

#define UC_SIGMASK 296 // offset of uc_sigmask in the kernel's ucontext
#define SI_CODE 8      // offsets in siginfo
#define SI_PID 16
#define SI_VALUE 24

TEXT ·sigHandler(SB),NOSPLIT|NOFRAME,$0
	LEAQ	·sigChain(SB), R8
	MOVQ	(R8)(DI*8), R8
	TESTQ	R8, R8
	JZ	take
	MOVL	SI_CODE(SI), R9 // > 0: the kernel raised it (a fault)
	CMPL	R9, $0
	JLE	take
	JMP	R8 // the runtime's handler, with the kernel's registers and stack
take:
	// This thread blocks the waited signals once the handler returns.
	MOVQ	·sigBlock(SB), R8
	ORQ	R8, UC_SIGMASK(DX)
	// Nothing more to do for the fix signal (see sighandler.go).
	CMPL	DI, $16
	JNE	requeue
	CMPL	SI_CODE(SI), $-1
	JNE	requeue
	MOVL	SI_PID(SI), R8
	CMPL	R8, ·sigSelf(SB)
	JNE	requeue
	CMPQ	SI_VALUE(SI), $0x64756d62
	JEQ	record
requeue:
	// rt_sigqueueinfo(sigSelf, sig, info), as SI_QUEUE: only the kernel
	// may queue the other codes.
	MOVL	$-1, SI_CODE(SI)
	MOVQ	SI, DX
	MOVQ	DI, SI
	MOVLQSX	·sigSelf(SB), DI
	MOVL	$129, AX
	SYSCALL
record:
	MOVL	$186, AX // gettid
	SYSCALL
	MOVL	$1, CX
	LOCK
	XADDL	CX, ·sigSlots(SB)
	CMPL	CX, $256
	JAE	ack
	LEAQ	·sigFixed(SB), R8
	MOVL	AX, (R8)(CX*4)
ack:
	MOVL	$1, CX
	LOCK
	XADDL	CX, ·sigAcks(SB)
	LEAQ	·sigAcks(SB), DI
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
