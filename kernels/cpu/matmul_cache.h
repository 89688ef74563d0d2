// The per-M cache of oneDNN matmul primitives shared by the f32 (gemm_dnnl.cpp) and int8/bf16
// (quantized_linear.cpp) linear layers: one primitive per (rows M, OpenMP thread count, activation), created outside
// the lock so other shapes keep running, cleared when it grows past a bound (M is unbounded).
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include <oneapi/dnnl/dnnl.hpp>

namespace hfcpp::kernels::cpu {

struct MatmulEntry {
  dnnl::matmul prim;
  dnnl::memory::desc src_md, dst_md, scratch_md;
  bool packed = true;  // weights in the layout chosen at load (false: this M's primitive wants the plain layout)
  std::string impl;
};

// Fills e.prim / impl / scratch_md: the primitive `make(weights_md)` gives for the weights in `packed_md` (the layout
// chosen at load), or for `plain_md` when this M cannot take that layout or would run oneDNN's reference kernel
// (which accepts any layout, but slowly).
template <class Make>
void create_matmul(MatmulEntry& e, Make&& make, const dnnl::memory::desc& packed_md,
                   const dnnl::memory::desc& plain_md) {
  dnnl::matmul::primitive_desc pd;
  try {
    pd = make(packed_md);
    e.impl = pd.impl_info_str();
    e.packed = e.impl.rfind("ref", 0) != 0;
  } catch (const dnnl::error&) {
    e.packed = false;
  }
  if (!e.packed) {
    pd = make(plain_md);
    e.impl = pd.impl_info_str();
  }
  e.scratch_md = pd.scratchpad_desc();
  e.prim = dnnl::matmul(pd);
}

// Runs `e` on x -> y with `weights` (packed or plain, as e.packed says) and `bias` (may be empty); `scratch` holds
// e.scratch_md.get_size() bytes (the caller's per-thread buffer; unused when that is 0).
inline void run_matmul(const MatmulEntry& e, const dnnl::engine& engine, const dnnl::memory& weights,
                       const dnnl::memory& bias, const void* x, void* y, void* scratch) {
  dnnl::stream s(engine);
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, dnnl::memory(e.src_md, engine, const_cast<void*>(x))},
                                             {DNNL_ARG_WEIGHTS, weights},
                                             {DNNL_ARG_DST, dnnl::memory(e.dst_md, engine, y)}};
  if (bias) args.emplace(DNNL_ARG_BIAS, bias);
  if (e.scratch_md.get_size() > 0) args.emplace(DNNL_ARG_SCRATCHPAD, dnnl::memory(e.scratch_md, engine, scratch));
  e.prim.execute(s, args);
  s.wait();
}

// The weights in nn.Linear's plain layout, reordered once from the packed ones the first time an M needs them.
class PlainWeights {
 public:
  const dnnl::memory& get(const dnnl::memory& packed, const dnnl::memory::desc& packed_md,
                          const dnnl::memory::desc& plain_md, const dnnl::engine& engine) const {
    if (packed_md == plain_md) return packed;
    std::call_once(once_, [&] {
      plain_ = dnnl::memory(plain_md, engine);
      dnnl::stream s(engine);
      dnnl::memory source = packed;  // handle copy: execute() takes non-const memories
      dnnl::reorder(source, plain_).execute(s, source, plain_);
      s.wait();
    });
    return plain_;
  }

 private:
  mutable std::once_flag once_;
  mutable dnnl::memory plain_;
};

class MatmulCache {
 public:
  template <class Create>
  std::shared_ptr<const MatmulEntry> get(int64_t M, int act, Create&& create) const {
    // oneDNN sizes a primitive's work split for the thread count at creation, so that is part of the key.
    const uint64_t threads = static_cast<uint64_t>(std::min(omp_get_max_threads(), 4095));
    const uint64_t key = (static_cast<uint64_t>(M) << 16) | (threads << 4) | static_cast<uint64_t>(act);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = cache_.find(key);
      if (it != cache_.end()) return it->second;
    }
    std::shared_ptr<const MatmulEntry> e = create();
    std::lock_guard<std::mutex> lock(mutex_);
    if (cache_.size() >= kMaxCached) cache_.clear();
    return cache_.emplace(key, std::move(e)).first->second;
  }

 private:
  static constexpr size_t kMaxCached = 256;
  mutable std::mutex mutex_;
  mutable std::unordered_map<uint64_t, std::shared_ptr<const MatmulEntry>> cache_;
};

}  // namespace hfcpp::kernels::cpu
