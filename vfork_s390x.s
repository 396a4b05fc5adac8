#include "textflag.h"

// func rawVfork(a1, a2 uintptr) (pid, errno uintptr)
// clone(a1, a2, 0, 0, 0). See spawn.go. A leaf without a frame: the return
// address stays in R14, out of reach of the child, which reuses this stack.
TEXT ·rawVfork(SB),NOSPLIT|NOFRAME,$0-32
	MOVD	a1+0(FP), R2
	MOVD	a2+8(FP), R3
	MOVD	$0, R4
	MOVD	$0, R5
	MOVD	$0, R6
	MOVW	$120, R1 // clone
	SYSCALL
	MOVD	$0xfffffffffffff001, R8
	CMPUBLT	R2, R8, ok
	NEG	R2, R2
	MOVD	$0, pid+16(FP)
	MOVD	R2, errno+24(FP)
	RET
ok:
	MOVD	R2, pid+16(FP)
	MOVD	$0, errno+24(FP)
	RET
