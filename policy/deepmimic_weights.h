#pragma once
// DeepMimic's own actor weight files: the raw float32 export (*.bin) and TF V2 checkpoints.

#include "policy/actor.h"
#include "sim/result.h"

#include <string>
#include <vector>

namespace policy {

// Bytes of a raw export with these sizes: floats (2S + 2A + S*1024 + 1024 + 1024*512 + 512 +
// 512*A + A) * 4; 2,985,944 bytes (746,486 floats) for the 2018 humanoid (197 / 36).
size_t deepMimicRawBytes(int stateSize, int actionSize);

// Loads a raw little-endian float32 export (layout in shared/deepmimic/policies/found/README.md):
// s_norm mean, std, a_norm mean, std, then the three [in][out] kernels and biases.
sim::Result<ActorWeights> loadDeepMimicRaw(const std::string& path, int stateSize = 197,
                                           int actionSize = 36);

// Loads the actor and normalizers from a TF V2 bundle (path: X.ckpt.index, X.ckpt.data-*, or
// X.ckpt), verifying each tensor's masked crc32c. Accepts the 2018 head
// (agent/main/actor/dense) and the HEAD head (agent/main/actor/dist_gauss_diag/mean).
sim::Result<ActorWeights> loadTfCheckpointActor(const std::string& path);

// A dense layer from a TF-layout kernel [in][out] (row-major) and bias [out].
DenseLayer denseFromTfKernel(const float* kernel, int in, int out, const float* bias);

// TF tensor names of the actor in a DeepMimic bundle, in raw-export order (10 for 2018).
std::vector<std::string> deepMimicActorTensorNames();

}  // namespace policy
