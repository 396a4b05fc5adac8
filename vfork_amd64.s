#include "textflag.h"

// func rawVfork(a1, a2 uintptr) (pid, errno uintptr)
// clone(a1, a2, 0, 0, 0). See spawn.go.
TEXT ·rawVfork(SB),NOSPLIT|NOFRAME,$0-32
	MOVQ	a1+0(FP), DI
	MOVQ	a2+8(FP), SI
	XORL	DX, DX
	XORL	R10, R10
	XORL	R8, R8
	MOVL	$56, AX // clone
	// The child reuses this stack until it execs, and its next call
	// overwrites the slot holding our return address: keep it in a
	// register, which the kernel restores for the parent.
	POPQ	R12
	SYSCALL
	PUSHQ	R12
	CMPQ	AX, $0xfffffffffffff001
	JLS	ok
	NEGQ	AX
	MOVQ	$0, pid+16(FP)
	MOVQ	AX, errno+24(FP)
	RET
ok:
	MOVQ	AX, pid+16(FP)
	MOVQ	$0, errno+24(FP)
	RET
