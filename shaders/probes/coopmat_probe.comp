// Configure-time probe (shaders/meson.build, option coopmat): compiles when
// the configured glslangValidator knows GL_KHR_cooperative_matrix (glslang
// >= 14; Debian 12's glslang 12 does not). Never run, never embedded: one
// 8x8x8 f16 x f16 + f32 multiply-add, the shape lavapipe and GPUs offer.
#version 450
#extension GL_KHR_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require

layout(local_size_x = 32) in;
layout(set = 0, binding = 0) readonly buffer In { float16_t x[]; };
layout(set = 0, binding = 1) writeonly buffer Out { float y[]; };

void main()
{
    coopmat<float16_t, gl_ScopeSubgroup, 8, 8, gl_MatrixUseA> a;
    coopmat<float16_t, gl_ScopeSubgroup, 8, 8, gl_MatrixUseB> b;
    coopmat<float, gl_ScopeSubgroup, 8, 8, gl_MatrixUseAccumulator> c =
        coopmat<float, gl_ScopeSubgroup, 8, 8, gl_MatrixUseAccumulator>(0.0);
    coopMatLoad(a, x, 0, 8, gl_CooperativeMatrixLayoutRowMajor);
    coopMatLoad(b, x, 64, 8, gl_CooperativeMatrixLayoutRowMajor);
    c = coopMatMulAdd(a, b, c);
    coopMatStore(c, y, 0, 8, gl_CooperativeMatrixLayoutRowMajor);
}
