#include "textflag.h"

// See sighandler.go. The kernel calls sigHandler as a C function:
// R0 = signal number, R1 = siginfo, R2 = ucontext, LR = the return
// trampoline that calls rt_sigreturn.

#define UC_SIGMASK 40 // offset of uc_sigmask in the kernel's ucontext
#define SI_CODE 8     // offsets in siginfo
#define SI_PID 16
#define SI_VALUE 24

TEXT ·sigHandler(SB),NOSPLIT|NOFRAME,$0
	MOVD	$·sigChain(SB), R3
	MOVD	(R3)(R0<<3), R3
	CBZ	R3, take
	MOVW	SI_CODE(R1), R4 // > 0: the kernel raised it (a fault)
	CMP	$0, R4
	BLE	take
	JMP	(R3) // the runtime's handler, with the kernel's registers and stack
take:
	// This thread blocks the waited signals once the handler returns.
	MOVD	·sigBlock(SB), R3
	MOVD	UC_SIGMASK(R2), R4
	ORR	R3, R4, R4
	MOVD	R4, UC_SIGMASK(R2)
	// Nothing more to do for the fix signal (see sighandler.go).
	CMP	$16, R0
	BNE	requeue
	MOVW	SI_CODE(R1), R4
	CMN	$1, R4
	BNE	requeue
	MOVW	SI_PID(R1), R4
	MOVW	·sigSelf(SB), R5
	CMP	R5, R4
	BNE	requeue
	MOVD	SI_VALUE(R1), R4
	MOVD	$0x64756d62, R5
	CMP	R5, R4
	BEQ	record
requeue:
	// rt_sigqueueinfo(sigSelf, sig, info), as SI_QUEUE: only the kernel
	// may queue the other codes.
	MOVW	$-1, R4
	MOVW	R4, SI_CODE(R1)
	MOVD	R1, R2
	MOVD	R0, R1
	MOVW	·sigSelf(SB), R0
	MOVD	$138, R8
	SVC
record:
	MOVD	$178, R8 // gettid
	SVC
	MOVD	$·sigSlots(SB), R3
slot:
	LDAXRW	(R3), R4 // no LSE atomics: the baseline arm64 lacks them
	ADDW	$1, R4, R5
	STLXRW	R5, (R3), R6
	CBNZ	R6, slot
	CMPW	$256, R4
	BHS	ack
	MOVD	$·sigFixed(SB), R3
	MOVW	R0, (R3)(R4<<2)
ack:
	MOVD	$·sigAcks(SB), R3
add:
	LDAXRW	(R3), R4
	ADDW	$1, R4, R4
	STLXRW	R4, (R3), R5
	CBNZ	R5, add
	MOVD	R3, R0
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
