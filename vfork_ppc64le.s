#include "textflag.h"

// func rawVfork(a1, a2 uintptr) (pid, errno uintptr)
// clone(a1, a2, 0, 0, 0). See spawn.go. A leaf without a frame: the return
// address stays in LR, out of reach of the child, which reuses this stack.
TEXT ·rawVfork(SB),NOSPLIT|NOFRAME,$0-32
	MOVD	a1+0(FP), R3
	MOVD	a2+8(FP), R4
	MOVD	$0, R5
	MOVD	$0, R6
	MOVD	$0, R7
	SYSCALL	$120 // clone
	MOVD	$0, R6
	BVC	ok
	MOVD	R6, pid+16(FP)
	MOVD	R3, errno+24(FP)
	RET
ok:
	MOVD	R3, pid+16(FP)
	MOVD	R6, errno+24(FP)
	RET
