#include "go_asm.h"
#include "textflag.h"

// See entry.go and entry_amd64.s, which this follows step by step. RSP
// points at argc; system calls take R8 = number, R0.. = arguments.
TEXT ·entry(SB),NOSPLIT|NOFRAME,$0
	MOVD	$0, R19
fds:
	MOVD	R19, R0
	MOVD	$1, R1 // F_GETFD
	MOVD	$25, R8 // fcntl
	SVC
	CMN	$9, R0 // EBADF: closed
	BNE	nextfd
	MOVD	$-100, R0 // AT_FDCWD
	MOVD	·entryRoot(SB), R1
	MOVD	$0x280000, R2 // O_PATH|O_CLOEXEC
	MOVD	$0, R3
	MOVD	$56, R8 // openat
	SVC
nextfd:
	ADD	$1, R19
	CMP	$3, R19
	BLT	fds

	MOVD	$0, R20 // the mask
	MOVD	$32, R19
sigs:
	MOVD	R19, R0
	MOVD	$0, R1
	MOVD	$·entrySigaction(SB), R2
	MOVD	$8, R3
	MOVD	$134, R8 // rt_sigaction
	SVC
	CBNZ	R0, nextsig
	MOVD	·entrySigaction(SB), R4
	CMP	$1, R4 // SIG_IGN
	BNE	nextsig
	SUB	$1, R19, R5
	MOVD	$1, R4
	LSL	R5, R4, R4
	ORR	R4, R20, R20
nextsig:
	ADD	$1, R19
	CMP	$64, R19
	BLE	sigs
	MOVD	R20, ·entryIgnored(SB)

	MOVD	RSP, R6 // old base
	SUB	$(const_entryShieldSlots*8), R6, R7 // new base, still 16-byte aligned
	MOVD	0(R6), R5
	ADD	$2, R5 // argc, the pointers, NULL
	MOVD	$0, R9
move:
	MOVD	(R6)(R9<<3), R10
	MOVD	R10, (R7)(R9<<3)
	ADD	$1, R9
	CMP	R5, R9
	BLT	move
	ADD	R5<<3, R6, R10
	MOVD	R10, ·entryEnvp(SB)
	ADD	R5<<3, R7, R11
	MOVD	$·runtimeShield(SB), R12 // [5]string: a pointer every 16 bytes
	MOVD	0(R12), R10
	MOVD	R10, 0(R11)
	MOVD	R10, ((const_entryShieldSlots-1)*8)(R11) // the pad, see entryShieldSlots
	MOVD	16(R12), R10
	MOVD	R10, 8(R11)
	MOVD	32(R12), R10
	MOVD	R10, 16(R11)
	MOVD	48(R12), R10
	MOVD	R10, 24(R11)
	MOVD	64(R12), R10
	MOVD	R10, 32(R11)
	MOVD	R7, RSP
	JMP	_rt0_arm64_linux(SB)
