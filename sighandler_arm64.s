#include "textflag.h"

// See sighandler.go. The kernel calls sigHandler as a C function:
// R0 = signal number, R1 = siginfo, R2 = ucontext, LR = the return
// trampoline that calls rt_sigreturn.
TEXT ·sigHandler(SB),NOSPLIT|NOFRAME,$0
	MOVD	$·sigChain(SB), R3
	MOVD	(R3)(R0<<3), R3
	CBZ	R3, queue
	MOVW	8(R1), R4 // si_code: > 0 means the kernel raised it (a fault)
	CMP	$0, R4
	BLE	queue
	JMP	(R3) // the runtime's handler, with the kernel's registers and stack
queue:
	MOVD	$·sigCounts(SB), R1
	ADD	R0<<2, R1, R1
count:
	LDAXRW	(R1), R3 // no LSE atomics: the baseline arm64 lacks them
	ADDW	$1, R3, R3
	STLXRW	R3, (R1), R4
	CBNZ	R4, count
	MOVD	$·sigWake(SB), R0
	MOVW	$1, R3
	STLRW	R3, (R0) // after the count, as the loop reads them
	MOVD	$129, R1 // FUTEX_WAKE_PRIVATE
	MOVD	$1, R2
	MOVD	$98, R8 // futex
	SVC
	RET

TEXT ·sigNop(SB),NOSPLIT|NOFRAME,$0
	RET

// func handlerPCs() (handler, nop uintptr)
TEXT ·handlerPCs(SB),NOSPLIT,$0-16
	MOVD	$·sigHandler(SB), R0
	MOVD	R0, handler+0(FP)
	MOVD	$·sigNop(SB), R0
	MOVD	R0, nop+8(FP)
	RET
