/* rj_transpose.h - a block of samples of a group of channels, turned around in registers: for
 * channel kernels (templates/channels.c), which run channel l of a group in lane l.
 *
 * Building one sample's vector from its group's rows lane by lane costs an insert per lane,
 * storing it an extract per lane. With 8 lanes (AVX-512) that is more than a filter's own
 * arithmetic, so there a group moves its samples in blocks of RJ_BLOCK = RJ_VD_WIDTH: each
 * row's block loads as one vector and the RJ_BLOCK x RJ_VD_WIDTH block is transposed, 3 shuffles
 * per vector, so that vector j of the tile holds sample j of every channel; results go back the
 * same way. With 2 or 4 lanes the lane-by-lane moves cost no more than a transpose's shuffles,
 * and a tile adds a store and a load per sample: there RJ_BLOCK is 1 and no tile is used.
 *
 *   rj_vX_lanes          one sample of a group's channels as a tile holds it: an rj_vd, or for
 *                        float the RJ_VD_WIDTH floats a channel kernel keeps in the low lanes of
 *                        an rj_vf (see rj_vd_widen in simd.h)
 *   rj_vX_from_lanes(t) rj_vX_to_lanes(v)   between an rj_vX and its lanes (+0.0 above)
 *   rj_vX_tile_load(tile, src, row, m)    tile[j][l] = src[row[l] + j] for l < RJ_BLOCK, j < m
 *                                         (0 < m <= RJ_BLOCK), +0.0 for j >= m
 *   rj_vX_tile_store(dst, row, tile, m)   dst[row[l] + j] = tile[j][l] for j < m, the last row
 *                                         first: where rows repeat, the lowest lane's land last
 *
 * Only data moves: every value keeps its bits.
 */
#ifndef RJ_TRANSPOSE_H
#define RJ_TRANSPOSE_H

#include "simd.h"

#if RJ_VD_WIDTH > 1 /* the scalar tier runs every channel alone */

typedef rj_vd rj_vd_lanes;
typedef rj_vf_half rj_vf_lanes;
RJ_INLINE rj_vd rj_vd_from_lanes(rj_vd_lanes t) { return t; }
RJ_INLINE rj_vd_lanes rj_vd_to_lanes(rj_vd v) { return v; }
RJ_INLINE rj_vf rj_vf_from_lanes(rj_vf_lanes t) { return rj_vf_from_half(t); }
RJ_INLINE rj_vf_lanes rj_vf_to_lanes(rj_vf v) { return rj_vf_low_half(v); }

#if RJ_VD_WIDTH == 8
#  define RJ_BLOCK RJ_VD_WIDTH

/* The transpose in three steps, for b = 1, 2, 4: rows p and p + b (p's bit b clear) swap the
 * lanes where the lane's bit b differs from the row's, so each step exchanges one bit of the
 * row number with the same bit of the lane number. RJ_ROW_b lists the lanes row p keeps, then
 * takes from row p + b (numbered from 8), RJ_NEXT_ROW_b those of row p + b. Each shuffle is one
 * instruction: vunpcklpd/vunpckhpd, vpermt2pd, vshuff64x2 (or their float forms). */
#  define RJ_ROW_1 0, 8, 2, 10, 4, 12, 6, 14
#  define RJ_NEXT_ROW_1 1, 9, 3, 11, 5, 13, 7, 15
#  define RJ_ROW_2 0, 1, 8, 9, 4, 5, 12, 13
#  define RJ_NEXT_ROW_2 2, 3, 10, 11, 6, 7, 14, 15
#  define RJ_ROW_4 0, 1, 2, 3, 8, 9, 10, 11
#  define RJ_NEXT_ROW_4 4, 5, 6, 7, 12, 13, 14, 15
#  if RJ_HAS_BUILTIN(__builtin_shufflevector)
#    define RJ_SHUFFLE_ROWS(a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#  else   /* GCC before 12: its __builtin_shuffle, the lanes named by integers as wide as a lane */
typedef int32_t rj_lanes_index_f __attribute__((vector_size(sizeof(rj_vf_lanes))));
typedef int64_t rj_lanes_index_d __attribute__((vector_size(sizeof(rj_vd_lanes))));
#    define RJ_SHUFFLE_ROWS(a, b, ...)                                                             \
    __builtin_shuffle(a, b, _Generic((a), rj_vf_lanes: (rj_lanes_index_f){__VA_ARGS__},            \
                                          default: (rj_lanes_index_d){__VA_ARGS__}))
#  endif
#  define RJ_SWAP_LANES(r, p, b)                                                                   \
    do {                                                                                           \
        const __typeof__((r)[0]) row_ = RJ_SHUFFLE_ROWS((r)[p], (r)[(p) + (b)], RJ_ROW_##b);     \
        (r)[(p) + (b)] = RJ_SHUFFLE_ROWS((r)[p], (r)[(p) + (b)], RJ_NEXT_ROW_##b);               \
        (r)[p] = row_;                                                                             \
    } while (0)
#  define RJ_TRANSPOSE(r)                                                                          \
    do {                                                                                           \
        RJ_SWAP_LANES(r, 0, 1); RJ_SWAP_LANES(r, 2, 1); RJ_SWAP_LANES(r, 4, 1); RJ_SWAP_LANES(r, 6, 1); \
        RJ_SWAP_LANES(r, 0, 2); RJ_SWAP_LANES(r, 1, 2); RJ_SWAP_LANES(r, 4, 2); RJ_SWAP_LANES(r, 5, 2); \
        RJ_SWAP_LANES(r, 0, 4); RJ_SWAP_LANES(r, 1, 4); RJ_SWAP_LANES(r, 2, 4); RJ_SWAP_LANES(r, 3, 4); \
    } while (0)

/* The first m <= 8 lanes of a row, under a lane mask: loads give +0.0 in the others, stores
 * leave memory past them untouched, and neither touches memory there, so a last block shorter
 * than RJ_BLOCK takes the same path. (simd.h's load_partial copies through the stack, which GCC
 * makes a call to memcpy, and a call in the loop makes it keep the loop's vectors in memory.)
 * Clang types the pointers as vector pointers, GCC as element pointers: a void pointer
 * converts to either. */
#  define RJ_FIRST_LANES(m) ((unsigned char)((1u << (m)) - 1u))
RJ_INLINE rj_vf_lanes rj_vf_lanes_load_first(const float *p, int m)
{
    return __builtin_ia32_loadups256_mask((const void *)p, (rj_vf_lanes){0}, RJ_FIRST_LANES(m));
}
RJ_INLINE rj_vd_lanes rj_vd_lanes_load_first(const double *p, int m)
{
    return __builtin_ia32_loadupd512_mask((const void *)p, (rj_vd_lanes){0}, RJ_FIRST_LANES(m));
}
RJ_INLINE void rj_vf_lanes_store_first(float *p, rj_vf_lanes v, int m)
{
    __builtin_ia32_storeups256_mask((void *)p, v, RJ_FIRST_LANES(m));
}
RJ_INLINE void rj_vd_lanes_store_first(double *p, rj_vd_lanes v, int m)
{
    __builtin_ia32_storeupd512_mask((void *)p, v, RJ_FIRST_LANES(m));
}

/* The transpose runs on a local array, which the compiler keeps in registers; the tile is in
 * memory (a kernel's loop indexes it by sample). */
#  define RJ_TILE_FUNCTIONS(P, T)                                                                  \
    RJ_INLINE void P##_tile_load(P##_lanes tile[RJ_BLOCK], const T *src, const int64_t row[RJ_BLOCK], int m) \
    {                                                                                              \
        P##_lanes r[RJ_BLOCK];                                                                     \
        _Pragma("GCC unroll 8") for (int l = 0; l < RJ_BLOCK; l++) r[l] = P##_lanes_load_first(src + row[l], m); \
        RJ_TRANSPOSE(r);                                                                           \
        _Pragma("GCC unroll 8") for (int j = 0; j < RJ_BLOCK; j++) tile[j] = r[j];                 \
    }                                                                                              \
    RJ_INLINE void P##_tile_store(T *dst, const int64_t row[RJ_BLOCK], const P##_lanes tile[RJ_BLOCK], int m) \
    {                                                                                              \
        P##_lanes r[RJ_BLOCK];                                                                     \
        _Pragma("GCC unroll 8") for (int j = 0; j < RJ_BLOCK; j++) r[j] = tile[j];                 \
        RJ_TRANSPOSE(r);                                                                           \
        _Pragma("GCC unroll 8") for (int l = RJ_BLOCK - 1; l >= 0; l--) P##_lanes_store_first(dst + row[l], r[l], m); \
    }
RJ_TILE_FUNCTIONS(rj_vf, float)
RJ_TILE_FUNCTIONS(rj_vd, double)

#else
#  define RJ_BLOCK 1
#endif

#endif /* RJ_VD_WIDTH > 1 */
#endif /* RJ_TRANSPOSE_H */
