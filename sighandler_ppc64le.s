#include "textflag.h"

// See sighandler.go. The kernel calls sigHandler as a C function:
// R3 = signal number, R4 = siginfo, R5 = ucontext, LR = the return
// trampoline that calls rt_sigreturn.

#define UC_SIGMASK 40 // offset of uc_sigmask in the kernel's ucontext
#define SI_CODE 8     // offsets in siginfo
#define SI_PID 16
#define SI_VALUE 24

TEXT ·sigHandler(SB),NOSPLIT|NOFRAME,$0
	MOVD	$·sigChain(SB), R6
	SLD	$3, R3, R7
	MOVD	(R6)(R7), R6
	CMP	R6, $0
	BEQ	take
	MOVW	SI_CODE(R4), R7 // > 0: the kernel raised it (a fault)
	CMP	R7, $0
	BLE	take
	MOVD	R6, R12 // ELFv2: R12 holds the entry address of the callee
	MOVD	R6, CTR
	JMP	(CTR) // the runtime's handler, with the kernel's registers and stack
take:
	// This thread blocks the waited signals once the handler returns.
	MOVD	·sigBlock(SB), R6
	MOVD	UC_SIGMASK(R5), R7
	OR	R6, R7
	MOVD	R7, UC_SIGMASK(R5)
	// Nothing more to do for the fix signal (see sighandler.go).
	CMP	R3, $16
	BNE	requeue
	MOVW	SI_CODE(R4), R7
	CMP	R7, $-1
	BNE	requeue
	MOVW	SI_PID(R4), R7
	MOVW	·sigSelf(SB), R8
	CMP	R7, R8
	BNE	requeue
	MOVD	SI_VALUE(R4), R7
	MOVD	$0x64756d62, R8
	CMP	R7, R8
	BEQ	record
requeue:
	// rt_sigqueueinfo(sigSelf, sig, info), as SI_QUEUE: only the kernel
	// may queue the other codes.
	MOVD	$-1, R7
	MOVW	R7, SI_CODE(R4)
	MOVD	R4, R5
	MOVD	R3, R4
	MOVW	·sigSelf(SB), R3
	SYSCALL	$177
record:
	SYSCALL	$207 // gettid
	MOVD	$·sigSlots(SB), R4
	LWSYNC
slot:
	LWAR	(R4), R6
	ADD	$1, R6, R7
	STWCCC	R7, (R4)
	BNE	slot
	CMPWU	R6, $256
	BGE	ack
	MOVD	$·sigFixed(SB), R4
	SLD	$2, R6, R7
	MOVW	R3, (R4)(R7)
ack:
	LWSYNC // the entry before the count, as threads.go reads them
	MOVD	$·sigAcks(SB), R4
add:
	LWAR	(R4), R6
	ADD	$1, R6
	STWCCC	R6, (R4)
	BNE	add
	LWSYNC
	MOVD	R4, R3
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
