#include "textflag.h"

// See sighandler.go. The kernel calls sigHandler as a C function:
// R2 = signal number, R3 = siginfo, R4 = ucontext, R14 = the return
// trampoline that calls rt_sigreturn.

#define UC_SIGMASK 384 // offset of uc_sigmask in the kernel's ucontext
#define SI_CODE 8      // offsets in siginfo
#define SI_PID 16
#define SI_VALUE 24

TEXT ·sigHandler(SB),NOSPLIT|NOFRAME,$0
	MOVD	$·sigChain(SB), R5
	SLD	$3, R2, R6
	MOVD	0(R5)(R6*1), R5
	CMPBEQ	R5, $0, take
	MOVW	SI_CODE(R3), R6 // > 0: the kernel raised it (a fault)
	CMPBLE	R6, $0, take
	BR	(R5) // the runtime's handler, with the kernel's registers and stack
take:
	// This thread blocks the waited signals once the handler returns.
	MOVD	·sigBlock(SB), R5
	MOVD	UC_SIGMASK(R4), R6
	OR	R5, R6
	MOVD	R6, UC_SIGMASK(R4)
	// Nothing more to do for the fix signal (see sighandler.go).
	CMPBNE	R2, $16, requeue
	MOVW	SI_CODE(R3), R6
	CMPBNE	R6, $-1, requeue
	MOVW	SI_PID(R3), R6
	MOVW	·sigSelf(SB), R5
	CMPBNE	R6, R5, requeue
	MOVD	SI_VALUE(R3), R6
	MOVD	$0x64756d62, R5
	CMPBEQ	R6, R5, record
requeue:
	// rt_sigqueueinfo(sigSelf, sig, info), as SI_QUEUE: only the kernel
	// may queue the other codes.
	MOVD	$-1, R6
	MOVW	R6, SI_CODE(R3)
	MOVD	R3, R4
	MOVD	R2, R3
	MOVW	·sigSelf(SB), R2
	MOVW	$178, R1
	SYSCALL
record:
	MOVW	$236, R1 // gettid
	SYSCALL
	MOVD	$·sigSlots(SB), R3
	MOVWZ	(R3), R5
slot:
	ADD	$1, R5, R6
	CS	R5, R6, (R3) // if R5 == (R3) then (R3) = R6 else R5 = (R3)
	BNE	slot
	CMPUBGT	R5, $255, ack // an 8-bit immediate
	MOVD	$·sigFixed(SB), R3
	SLD	$2, R5, R6
	MOVW	R2, 0(R3)(R6*1)
ack:
	MOVD	$·sigAcks(SB), R3
	MOVWZ	(R3), R5
add:
	ADD	$1, R5, R6
	CS	R5, R6, (R3)
	BNE	add
	MOVD	R3, R2
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
