#include "textflag.h"

// See sighandler.go. The kernel calls sigHandler as a C function:
// R3 = signal number, R4 = siginfo, R5 = ucontext, LR = the return
// trampoline that calls rt_sigreturn.
TEXT ·sigHandler(SB),NOSPLIT|NOFRAME,$0
	MOVD	$·sigChain(SB), R6
	SLD	$3, R3, R7
	MOVD	(R6)(R7), R6
	CMP	R6, $0
	BEQ	queue
	MOVW	8(R4), R7 // si_code: > 0 means the kernel raised it (a fault)
	CMP	R7, $0
	BLE	queue
	MOVD	R6, R12 // ELFv2: R12 holds the entry address of the callee
	MOVD	R6, CTR
	JMP	(CTR) // the runtime's handler, with the kernel's registers and stack
queue:
	MOVD	$·sigCounts(SB), R4
	SLD	$2, R3, R7
	ADD	R7, R4
	LWSYNC
count:
	LWAR	(R4), R7
	ADD	$1, R7
	STWCCC	R7, (R4)
	BNE	count
	LWSYNC // the count before the wake-up word, as the loop reads them
	MOVD	$·sigWake(SB), R3
	MOVD	$1, R7
	MOVW	R7, (R3)
	MOVD	$129, R4 // FUTEX_WAKE_PRIVATE
	MOVD	$1, R5
	SYSCALL	$221 // futex
	RET

TEXT ·sigNop(SB),NOSPLIT|NOFRAME,$0
	RET

// func handlerPCs() (handler, nop uintptr)
TEXT ·handlerPCs(SB),NOSPLIT|NOFRAME,$0-16
	MOVD	$·sigHandler(SB), R3
	MOVD	R3, handler+0(FP)
	MOVD	$·sigNop(SB), R3
	MOVD	R3, nop+8(FP)
	RET
