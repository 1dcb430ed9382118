#include "textflag.h"

// AVX2 and FMA kernels for the skip-gram inner loop. Each takes as many
// floats a step as it can (32, 16, 8, then 4), then single floats.

// func dotAVX2(x, y []float32) float32
// Four accumulators hide the FMA latency; a 4-float step before the
// single floats keeps 100-float rows off the scalar path.
TEXT ·dotAVX2(SB), NOSPLIT, $0-52
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	MOVQ y_base+24(FP), DI
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5

dot32:
	CMPQ CX, $32
	JL   dot8
	VMOVUPS (SI), Y2
	VMOVUPS 32(SI), Y3
	VMOVUPS 64(SI), Y6
	VMOVUPS 96(SI), Y7
	VFMADD231PS (DI), Y2, Y0
	VFMADD231PS 32(DI), Y3, Y1
	VFMADD231PS 64(DI), Y6, Y4
	VFMADD231PS 96(DI), Y7, Y5
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP  dot32

dot8:
	CMPQ CX, $8
	JL   dot4
	VMOVUPS (SI), Y2
	VFMADD231PS (DI), Y2, Y0
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  dot8

dot4:
	VADDPS       Y1, Y0, Y0
	VADDPS       Y5, Y4, Y4
	VADDPS       Y4, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	CMPQ CX, $4
	JL   dotsum
	VMOVUPS (SI), X2
	VFMADD231PS (DI), X2, X0
	ADDQ $16, SI
	ADDQ $16, DI
	SUBQ $4, CX

dotsum:
	VMOVHLPS  X0, X0, X1
	VADDPS    X1, X0, X0
	VMOVSHDUP X0, X1
	VADDSS    X1, X0, X0

dot1:
	TESTQ CX, CX
	JE    dotdone
	VMOVSS (SI), X1
	VFMADD231SS (DI), X1, X0
	ADDQ $4, SI
	ADDQ $4, DI
	DECQ CX
	JMP  dot1

dotdone:
	VZEROUPPER
	MOVSS X0, ret+48(FP)
	RET

// func axpyAVX2(a float32, x, y []float32)
TEXT ·axpyAVX2(SB), NOSPLIT, $0-56
	VBROADCASTSS a+0(FP), Y0
	MOVQ x_base+8(FP), SI
	MOVQ x_len+16(FP), CX
	MOVQ y_base+32(FP), DI

axpy16:
	CMPQ CX, $16
	JL   axpy8
	VMOVUPS (SI), Y1
	VMOVUPS 32(SI), Y2
	VFMADD213PS (DI), Y0, Y1
	VFMADD213PS 32(DI), Y0, Y2
	VMOVUPS Y1, (DI)
	VMOVUPS Y2, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP  axpy16

axpy8:
	CMPQ CX, $8
	JL   axpy4
	VMOVUPS (SI), Y1
	VFMADD213PS (DI), Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX

axpy4:
	CMPQ CX, $4
	JL   axpy1
	VMOVUPS (SI), X1
	VFMADD213PS (DI), X0, X1
	VMOVUPS X1, (DI)
	ADDQ $16, SI
	ADDQ $16, DI
	SUBQ $4, CX

axpy1:
	TESTQ CX, CX
	JE    axpydone
	VMOVSS (SI), X1
	VFMADD213SS (DI), X0, X1
	VMOVSS X1, (DI)
	ADDQ $4, SI
	ADDQ $4, DI
	DECQ CX
	JMP  axpy1

axpydone:
	VZEROUPPER
	RET

// func pairAVX2(w float32, in, out, grad []float32)
// grad += w*out, then out += w*in, in one pass over out.
TEXT ·pairAVX2(SB), NOSPLIT, $0-80
	VBROADCASTSS w+0(FP), Y0
	MOVQ in_base+8(FP), SI
	MOVQ in_len+16(FP), CX
	MOVQ out_base+32(FP), DI
	MOVQ grad_base+56(FP), DX

pair8:
	CMPQ CX, $8
	JL   pair4
	VMOVUPS (DI), Y1
	VMOVUPS (DX), Y2
	VFMADD231PS Y1, Y0, Y2
	VFMADD231PS (SI), Y0, Y1
	VMOVUPS Y2, (DX)
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	SUBQ $8, CX
	JMP  pair8

pair4:
	CMPQ CX, $4
	JL   pair1
	VMOVUPS (DI), X1
	VMOVUPS (DX), X2
	VFMADD231PS X1, X0, X2
	VFMADD231PS (SI), X0, X1
	VMOVUPS X2, (DX)
	VMOVUPS X1, (DI)
	ADDQ $16, SI
	ADDQ $16, DI
	ADDQ $16, DX
	SUBQ $4, CX

pair1:
	TESTQ CX, CX
	JE    pairdone
	VMOVSS (DI), X1
	VMOVSS (DX), X2
	VFMADD231SS X1, X0, X2
	VFMADD231SS (SI), X0, X1
	VMOVSS X2, (DX)
	VMOVSS X1, (DI)
	ADDQ $4, SI
	ADDQ $4, DI
	ADDQ $4, DX
	DECQ CX
	JMP  pair1

pairdone:
	VZEROUPPER
	RET

// func prefetch32(x []float32)
// asks for every cache line of x, without waiting for any.
TEXT ·prefetch32(SB), NOSPLIT, $0-24
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	LEAQ (SI)(CX*4), DI

pf:
	CMPQ SI, DI
	JAE  pfdone
	PREFETCHT0 (SI)
	ADDQ $64, SI
	JMP  pf

pfdone:
	RET
