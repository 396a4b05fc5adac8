#include "go_asm.h"
#include "textflag.h"

// See entry.go. The kernel starts the process here with SP pointing at
// argc, then argv[0..argc-1], NULL, envp[...], NULL, auxv. Nothing of Go
// runs yet: no g, no Go stack, only raw system calls.
TEXT ·entry(SB),NOSPLIT|NOFRAME,$0
	// Closed descriptors 0, 1, 2 get a placeholder each, in order: open
	// returns the lowest free descriptor, which is the closed one.
	XORQ	R12, R12
fds:
	MOVQ	R12, DI
	MOVQ	$1, SI // F_GETFD
	MOVQ	$72, AX // fcntl
	SYSCALL
	CMPQ	AX, $-9 // EBADF: closed
	JNE	nextfd
	MOVQ	$-100, DI // AT_FDCWD
	MOVQ	·entryRoot(SB), SI
	MOVQ	$0x280000, DX // O_PATH|O_CLOEXEC
	XORQ	R10, R10
	MOVQ	$257, AX // openat
	SYSCALL
nextfd:
	INCQ	R12
	CMPQ	R12, $3
	JLT	fds

	// Which of 32..64 the caller left ignored.
	XORQ	R13, R13 // the mask
	MOVQ	$32, R12
sigs:
	MOVQ	R12, DI
	XORQ	SI, SI
	LEAQ	·entrySigaction(SB), DX
	MOVQ	$8, R10
	MOVQ	$13, AX // rt_sigaction
	SYSCALL
	TESTQ	AX, AX
	JNE	nextsig
	CMPQ	·entrySigaction(SB), $1 // SIG_IGN
	JNE	nextsig
	LEAQ	-1(R12), CX
	MOVQ	$1, AX
	SHLQ	CX, AX
	ORQ	AX, R13
nextsig:
	INCQ	R12
	CMPQ	R12, $64
	JLE	sigs
	MOVQ	R13, ·entryIgnored(SB)

	// Move argc, argv and its NULL down by entryShieldSlots slots and put the shield
	// in the gap, in front of the caller's envp.
	MOVQ	SP, BX
	LEAQ	-(const_entryShieldSlots*8)(SP), DI
	MOVQ	0(BX), CX
	ADDQ	$2, CX // argc, the pointers, NULL
	XORQ	SI, SI
move:
	MOVQ	(BX)(SI*8), AX
	MOVQ	AX, (DI)(SI*8)
	INCQ	SI
	CMPQ	SI, CX
	JLT	move
	LEAQ	(BX)(CX*8), AX
	MOVQ	AX, ·entryEnvp(SB)
	LEAQ	(DI)(CX*8), R8
	LEAQ	·runtimeShield(SB), SI // [5]string: a pointer every 16 bytes
	MOVQ	0(SI), AX
	MOVQ	AX, 0(R8)
	MOVQ	AX, ((const_entryShieldSlots-1)*8)(R8) // the pad, see entryShieldSlots
	MOVQ	16(SI), AX
	MOVQ	AX, 8(R8)
	MOVQ	32(SI), AX
	MOVQ	AX, 16(R8)
	MOVQ	48(SI), AX
	MOVQ	AX, 24(R8)
	MOVQ	64(SI), AX
	MOVQ	AX, 32(R8)
	MOVQ	DI, SP
	JMP	_rt0_amd64_linux(SB)
