#include "go_asm.h"
#include "textflag.h"

// See entry.go and entry_amd64.s, which this follows step by step. R1
// points at argc; system calls take R0 = number, R3.. = arguments, and
// return the error number in R3 with the summary-overflow bit set (BVS).
// R2 and R13 are left alone: the runtime's entry looks at R13.
TEXT ·entry(SB),NOSPLIT|NOFRAME,$0
	MOVD	$0, R14
fds:
	MOVD	R14, R3
	MOVD	$1, R4 // F_GETFD
	MOVD	$55, R0 // fcntl
	SYSCALL
	BVC	nextfd
	CMP	R3, $9 // EBADF: closed
	BNE	nextfd
	MOVD	$-100, R3 // AT_FDCWD
	MOVD	·entryRoot(SB), R4
	MOVD	$0x280000, R5 // O_PATH|O_CLOEXEC
	MOVD	$0, R6
	MOVD	$286, R0 // openat
	SYSCALL
nextfd:
	ADD	$1, R14
	CMP	R14, $3
	BLT	fds

	MOVD	$0, R15 // the mask
	MOVD	$32, R14
sigs:
	MOVD	R14, R3
	MOVD	$0, R4
	MOVD	$·entrySigaction(SB), R5
	MOVD	$8, R6
	MOVD	$173, R0 // rt_sigaction
	SYSCALL
	BVS	nextsig
	MOVD	·entrySigaction(SB), R7
	CMP	R7, $1 // SIG_IGN
	BNE	nextsig
	ADD	$-1, R14, R8
	MOVD	$1, R7
	SLD	R8, R7, R7
	OR	R7, R15, R15
nextsig:
	ADD	$1, R14
	CMP	R14, $64
	BLE	sigs
	MOVD	R15, ·entryIgnored(SB)

	MOVD	R1, R16 // old base
	ADD	$-(const_entryShieldSlots*8), R1, R17 // new base, still 16-byte aligned
	MOVD	0(R16), R18
	ADD	$2, R18 // argc, the pointers, NULL
	SLD	$3, R18, R18 // in bytes
	MOVD	$0, R19
move:
	MOVD	(R16)(R19), R20
	MOVD	R20, (R17)(R19)
	ADD	$8, R19
	CMP	R19, R18
	BLT	move
	ADD	R18, R16, R20
	MOVD	R20, ·entryEnvp(SB)
	ADD	R18, R17, R21
	MOVD	$·runtimeShield(SB), R22 // [5]string: a pointer every 16 bytes
	MOVD	0(R22), R20
	MOVD	R20, 0(R21)
	MOVD	R20, ((const_entryShieldSlots-1)*8)(R21) // the pad, see entryShieldSlots
	MOVD	16(R22), R20
	MOVD	R20, 8(R21)
	MOVD	32(R22), R20
	MOVD	R20, 16(R21)
	MOVD	48(R22), R20
	MOVD	R20, 24(R21)
	MOVD	64(R22), R20
	MOVD	R20, 32(R21)
	MOVD	R17, R1
	BR	_rt0_ppc64le_linux(SB)
