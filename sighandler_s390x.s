#include "textflag.h"

// See sighandler.go. The kernel calls sigHandler as a C function:
// R2 = signal number, R3 = siginfo, R4 = ucontext, R14 = the return
// trampoline that calls rt_sigreturn.
TEXT ·sigHandler(SB),NOSPLIT|NOFRAME,$0
	MOVD	$·sigChain(SB), R5
	SLD	$3, R2, R6
	MOVD	0(R5)(R6*1), R5
	CMPBEQ	R5, $0, queue
	MOVW	8(R3), R6 // si_code: > 0 means the kernel raised it (a fault)
	CMPBLE	R6, $0, queue
	BR	(R5) // the runtime's handler, with the kernel's registers and stack
queue:
	MOVD	$·sigCounts(SB), R3
	SLD	$2, R2, R6
	ADD	R6, R3
	MOVW	(R3), R5
count:
	ADD	$1, R5, R6
	CS	R5, R6, (R3) // if R5 == (R3) then (R3) = R6 else R5 = (R3)
	BNE	count
	MOVD	$·sigWake(SB), R2
	MOVD	$1, R5
	MOVW	R5, (R2)
	MOVD	$129, R3 // FUTEX_WAKE_PRIVATE
	MOVD	$1, R4
	MOVW	$238, R1 // futex
	SYSCALL
	RET

TEXT ·sigNop(SB),NOSPLIT|NOFRAME,$0
	RET

// func handlerPCs() (handler, nop uintptr)
TEXT ·handlerPCs(SB),NOSPLIT|NOFRAME,$0-16
	MOVD	$·sigHandler(SB), R2
	MOVD	R2, handler+0(FP)
	MOVD	$·sigNop(SB), R2
	MOVD	R2, nop+8(FP)
	RET
