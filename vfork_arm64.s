#include "textflag.h"

// func rawVfork(a1, a2 uintptr) (pid, errno uintptr)
// clone(a1, a2, 0, 0, 0). See spawn.go. A leaf without a frame: the return
// address stays in LR, out of reach of the child, which reuses this stack.
TEXT ·rawVfork(SB),NOSPLIT|NOFRAME,$0-32
	MOVD	a1+0(FP), R0
	MOVD	a2+8(FP), R1
	MOVD	$0, R2
	MOVD	$0, R3
	MOVD	$0, R4
	MOVD	$220, R8 // clone
	SVC
	CMN	$4095, R0
	BCC	ok
	NEG	R0, R0
	MOVD	ZR, pid+16(FP)
	MOVD	R0, errno+24(FP)
	RET
ok:
	MOVD	R0, pid+16(FP)
	MOVD	ZR, errno+24(FP)
	RET
