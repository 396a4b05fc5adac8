#include "go_asm.h"
#include "textflag.h"

// See entry.go and entry_amd64.s, which this follows step by step. R15
// points at argc; system calls take R1 = number, R2.. = arguments.
TEXT ·entry(SB),NOSPLIT|NOFRAME,$0
	MOVD	$0, R7
fds:
	MOVD	R7, R2
	MOVD	$1, R3 // F_GETFD
	MOVW	$55, R1 // fcntl
	SYSCALL
	CMPBNE	R2, $-9, nextfd // EBADF: closed
	MOVD	$-100, R2 // AT_FDCWD
	MOVD	·entryRoot(SB), R3
	MOVD	$0x280000, R4 // O_PATH|O_CLOEXEC
	MOVD	$0, R5
	MOVW	$288, R1 // openat
	SYSCALL
nextfd:
	ADD	$1, R7
	CMPBLT	R7, $3, fds

	MOVD	$0, R8 // the mask
	MOVD	$32, R7
sigs:
	MOVD	R7, R2
	MOVD	$0, R3
	MOVD	$·entrySigaction(SB), R4
	MOVD	$8, R5
	MOVW	$174, R1 // rt_sigaction
	SYSCALL
	CMPBNE	R2, $0, nextsig
	MOVD	·entrySigaction(SB), R3
	CMPBNE	R3, $1, nextsig // SIG_IGN
	SUB	$1, R7, R4
	MOVD	$1, R3
	SLD	R4, R3, R3
	OR	R3, R8
nextsig:
	ADD	$1, R7
	CMPBLE	R7, $64, sigs
	MOVD	R8, ·entryIgnored(SB)

	MOVD	R15, R2 // old base
	SUB	$(const_entryShieldSlots*8), R15, R3 // new base
	MOVD	0(R2), R4
	ADD	$2, R4 // argc, the pointers, NULL
	SLD	$3, R4 // in bytes
	MOVD	$0, R5
move:
	MOVD	0(R2)(R5*1), R6
	MOVD	R6, 0(R3)(R5*1)
	ADD	$8, R5
	CMPBLT	R5, R4, move
	ADD	R4, R2, R6
	MOVD	R6, ·entryEnvp(SB)
	ADD	R4, R3, R7
	MOVD	$·runtimeShield(SB), R8 // [5]string: a pointer every 16 bytes
	MOVD	0(R8), R6
	MOVD	R6, 0(R7)
	MOVD	R6, ((const_entryShieldSlots-1)*8)(R7) // the pad, see entryShieldSlots
	MOVD	16(R8), R6
	MOVD	R6, 8(R7)
	MOVD	32(R8), R6
	MOVD	R6, 16(R7)
	MOVD	48(R8), R6
	MOVD	R6, 24(R7)
	MOVD	64(R8), R6
	MOVD	R6, 32(R7)
	MOVD	R3, R15
	BR	_rt0_s390x_linux(SB)
