"""PyTorch definitions of charsim's five networks: the spec the C++ runtime (policy/models/) follows.

Shapes, feature layouts and state_dict names are documented in docs/models.md. Every tensor the
C++ loader reads is a parameter or buffer here, so `save_safetensors(path, model.state_dict())`
writes a file charsim loads without conversion.
"""

import math

import torch
from torch import nn

# Humanoid sizes (shared/deepmimic/FACTS.md section 4).
STATE_SIZE = 197  # phase, root height, 15 x (pos 3, quat 4), 15 x (lin vel 3, ang vel 3)
ACTION_SIZE = 36  # PD targets, axis-angle for spherical joints
FRAME_FEATURES = 196  # one motion frame: the state without its phase, state[1:197]
PHASE_INPUTS = 132  # 11 frames x 4 end effectors x 3 velocity components
STYLE_FRAMES = 60  # StyleVAE window: 2 s at 30 fps
STYLE_LATENT = 256
SOURCE_FRAMES = 10  # TransitionNet context: the last 10 frames (1/3 s at 30 fps)
TRANSITION_FRAMES = 30  # TransitionNet output: the next 30 frames (1 s at 30 fps)


class Normalizer(nn.Module):
    """Buffers `mean` and `std` [size]; normalize: (x - mean) / std, denormalize: x * std + mean."""

    def __init__(self, size):
        super().__init__()
        self.register_buffer("mean", torch.zeros(size))
        self.register_buffer("std", torch.ones(size))

    def normalize(self, x):
        return (x - self.mean) / self.std

    def denormalize(self, x):
        return x * self.std + self.mean


def _mlp(sizes):
    """Linear layers with ReLU between them (none after the last): names 0, 2, 4, ..."""
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i + 2 < len(sizes):
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class Actor(nn.Module):
    """DeepMimic actor: state [B, 197] -> mean action [B, 36]; same layout as docs/weights.md."""

    def __init__(self, state_size=STATE_SIZE, action_size=ACTION_SIZE, hidden=(1024, 512)):
        super().__init__()
        self.actor = _mlp([state_size, *hidden, action_size])
        self.state_norm = Normalizer(state_size)
        self.action_norm = Normalizer(action_size)

    def forward(self, state):
        return self.action_norm.denormalize(self.actor(self.state_norm.normalize(state)))


class Critic(nn.Module):
    """DeepMimic critic: state [B, 197] -> value [B, 1], val_norm mean 10 std 10 by default."""

    def __init__(self, state_size=STATE_SIZE, hidden=(1024, 512)):
        super().__init__()
        self.critic = _mlp([state_size, *hidden, 1])
        self.state_norm = Normalizer(state_size)
        self.value_norm = Normalizer(1)
        self.value_norm.mean.fill_(10.0)
        self.value_norm.std.fill_(10.0)

    def forward(self, state):
        return self.value_norm.denormalize(self.critic(self.state_norm.normalize(state)))


class DeepPhase(nn.Module):
    """Phase features [B, 132] -> 2-D phase point [B, 2]; angle atan2(y, x), amplitude norm.

    132 -> 256 -> 128 -> 32 -> 2 with ELU between layers, linear output.
    """

    def __init__(self, inputs=PHASE_INPUTS, hidden=(256, 128, 32)):
        super().__init__()
        sizes = [inputs, *hidden, 2]
        layers = []
        for i in range(len(sizes) - 1):
            layers.append(nn.Linear(sizes[i], sizes[i + 1]))
            if i + 2 < len(sizes):
                layers.append(nn.ELU())
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)

    @staticmethod
    def phase_amplitude(point):
        """Phase angle [rad] in (-pi, pi] and amplitude of phase points [B, 2]."""
        return torch.atan2(point[:, 1], point[:, 0]), point.norm(dim=1)


class StyleVAE(nn.Module):
    """Motion window [B, 60, F] -> (reconstruction [B, 60, F], mu [B, 256], logvar [B, 256]).

    Encoder: Conv1d(F, 128, 5, stride 2, pad 2) ELU -> [128, 30], Conv1d(128, 128, 5, stride 2,
    pad 2) ELU -> [128, 15], flatten (channel-major, 1920), Linear heads to mu and logvar.
    Decoder: Linear(256, 1920) ELU, view [128, 15], Upsample x2 (nearest), Conv1d(128, 128, 5,
    pad 2) ELU, Upsample x2, Conv1d(128, F, 5, pad 2) -> [F, 60], transposed to [60, F].
    """

    def __init__(self, features=FRAME_FEATURES, frames=STYLE_FRAMES, channels=128,
                 latent=STYLE_LATENT):
        super().__init__()
        assert frames % 4 == 0
        self.channels = channels
        self.reduced = frames // 4
        flat = channels * self.reduced
        self.encoder = nn.Sequential(
            nn.Conv1d(features, channels, 5, stride=2, padding=2), nn.ELU(),
            nn.Conv1d(channels, channels, 5, stride=2, padding=2), nn.ELU())
        self.fc_mu = nn.Linear(flat, latent)
        self.fc_logvar = nn.Linear(flat, latent)
        self.decoder_fc = nn.Linear(latent, flat)
        self.decoder = nn.Sequential(
            nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv1d(channels, channels, 5, padding=2), nn.ELU(),
            nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv1d(channels, features, 5, padding=2))

    def encode(self, window):
        h = self.encoder(window.transpose(1, 2)).flatten(1)
        return self.fc_mu(h), self.fc_logvar(h)

    def decode(self, z):
        h = nn.functional.elu(self.decoder_fc(z)).view(-1, self.channels, self.reduced)
        return self.decoder(h).transpose(1, 2)

    def forward(self, window, generator=None, deterministic=True):
        """Deterministic mode decodes mu; otherwise z = mu + exp(logvar / 2) * eps, eps ~ N(0, I)
        drawn from `generator` (a seeded torch.Generator gives repeatable samples)."""
        mu, logvar = self.encode(window)
        z = mu
        if not deterministic:
            eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype)
            z = mu + torch.exp(0.5 * logvar) * eps
        return self.decode(z), mu, logvar


class TransitionBlock(nn.Module):
    """Pre-LayerNorm transformer block: x += MHA(LN(x)); x += MLP(LN(x)), MLP with GELU."""

    def __init__(self, width, heads, hidden):
        super().__init__()
        self.norm1 = nn.LayerNorm(width)
        self.attn = nn.MultiheadAttention(width, heads, batch_first=True)
        self.norm2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, hidden), nn.GELU(), nn.Linear(hidden, width))

    def forward(self, x):
        h = self.norm1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.norm2(x))


class TransitionNet(nn.Module):
    """(source [B, 10, F], target [B, F], style [B, 256]) -> in-between frames [B, 30, F].

    Tokens (41, width 256): the 10 source frames and the target keyframe, each through
    `frame_embed`, then 30 learned `query_tokens`; every token gets `pos_embed[t]` and
    `style_proj(style)` added. Two TransitionBlocks (4 heads), a final LayerNorm, and `head`
    maps the 30 query tokens to frames.
    """

    def __init__(self, features=FRAME_FEATURES, source=SOURCE_FRAMES, out=TRANSITION_FRAMES,
                 style=STYLE_LATENT, width=256, heads=4, hidden=512, layers=2):
        super().__init__()
        self.out = out
        tokens = source + 1 + out
        self.frame_embed = nn.Linear(features, width)
        self.style_proj = nn.Linear(style, width)
        self.query_tokens = nn.Parameter(torch.randn(out, width) * 0.02)
        self.pos_embed = nn.Parameter(torch.randn(tokens, width) * 0.02)
        self.blocks = nn.ModuleList(TransitionBlock(width, heads, hidden) for _ in range(layers))
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, features)

    def forward(self, source, target, style):
        frames = self.frame_embed(torch.cat([source, target.unsqueeze(1)], dim=1))
        queries = self.query_tokens.expand(source.shape[0], -1, -1)
        x = torch.cat([frames, queries], dim=1) + self.pos_embed
        x = x + self.style_proj(style).unsqueeze(1)
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x[:, -self.out:]))


MODELS = {
    "deep_phase": DeepPhase,
    "style_vae": StyleVAE,
    "transition_net": TransitionNet,
    "actor": Actor,
    "critic": Critic,
}


def example_inputs(name, batch, generator):
    """Seeded inputs of the model `name` at `batch`, as a dict name -> tensor (docs/models.md)."""
    def randn(*shape):
        return torch.randn(*shape, generator=generator)
    if name == "deep_phase":
        return {"features": randn(batch, PHASE_INPUTS)}
    if name == "style_vae":
        return {"window": randn(batch, STYLE_FRAMES, FRAME_FEATURES)}
    if name == "transition_net":
        return {"source": randn(batch, SOURCE_FRAMES, FRAME_FEATURES),
                "target": randn(batch, FRAME_FEATURES), "style": randn(batch, STYLE_LATENT)}
    if name in ("actor", "critic"):
        return {"state": randn(batch, STATE_SIZE)}
    raise KeyError(name)


def run(name, model, inputs):
    """Outputs of `model` as a dict name -> tensor (StyleVAE in deterministic mode)."""
    with torch.no_grad():
        if name == "deep_phase":
            point = model(inputs["features"])
            phase, amplitude = DeepPhase.phase_amplitude(point)
            return {"point": point, "phase": phase, "amplitude": amplitude}
        if name == "style_vae":
            recon, mu, logvar = model(inputs["window"])
            return {"reconstruction": recon, "mu": mu, "logvar": logvar}
        if name == "transition_net":
            return {"frames": model(inputs["source"], inputs["target"], inputs["style"])}
        if name == "actor":
            return {"action": model(inputs["state"])}
        if name == "critic":
            return {"value": model(inputs["state"])}
    raise KeyError(name)


def randomize(model, generator):
    """Seeded weights for parity tests: every parameter and normalizer buffer redrawn, std > 0."""
    with torch.no_grad():
        for key, tensor in model.state_dict().items():
            if key.endswith("norm.std"):
                tensor.copy_(0.5 + torch.rand(tensor.shape, generator=generator))
            elif key.endswith("norm.mean"):
                tensor.copy_(torch.randn(tensor.shape, generator=generator) * 0.5)
            elif tensor.dim() >= 2:
                fan_in = tensor[0].numel()
                bound = math.sqrt(3.0 / fan_in)
                tensor.copy_((torch.rand(tensor.shape, generator=generator) * 2 - 1) * bound)
            elif key.endswith("weight"):  # LayerNorm scale
                tensor.copy_(1.0 + torch.randn(tensor.shape, generator=generator) * 0.1)
            else:
                tensor.copy_(torch.randn(tensor.shape, generator=generator) * 0.1)
    return model
