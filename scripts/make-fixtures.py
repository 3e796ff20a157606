#!/usr/bin/python3
"""make-fixtures.py - writes vrgen's PyTorch parity fixtures (safetensors files).

Regenerate (Debian's python3 with torch; no safetensors package needed):

    /usr/bin/python3 scripts/make-fixtures.py tests/data

It writes two files, each a safetensors file with F32 tensors and string metadata
("format": "vrgen-fixture-1", "torch_version", ...):

tests/data/ops_torch.safetensors - one case per op configuration, checked by
  tests/test_ref_torch.c against the reference ops (gen/ref). Case <name> stores its
  tensors as "<name>.<field>" and its descriptor in __metadata__ "case.<name>" as
  space-separated key=value pairs, always starting with "op=":
    op=conv2d n ic ih iw oc k s pad mode=zero|reflect|replicate|circular_x bias=0|1
        in w [b] out dout din dw [db]
    op=upsample mode=nearest|bilinear n c h w          in out dout din
    op=instnorm n c h w                                 in gamma beta out stats dout din
                                                        dgamma dbeta  (stats (n,c,2) =
                                                        {mean, rstd}, eps 1e-5)
    op=act act=relu|leaky_relu|tanh|sigmoid alpha len   in out dout din
    op=concat n ca cb hw                                a b out dout da db
    op=avgpool n c h w k s                              in out dout din
    op=l1|mse len                                       a b loss da
    op=lsgan target len                                 x loss dx
    op=hinge mode=real|fake|gen len                     x loss dx
    op=gram n c hw                                      f g dg df
    op=tv n c h w                                       x loss dx
    op=sum len                                          x out
    op=adam decoupled=0|1 len lr b1 b2 eps wd steps     p0, then for t = 1..steps:
                                                        g<t> (the gradient fed at step t),
                                                        p<t> m<t> v<t> (state after it)
  Losses store the scalar (shape [1]) and d(loss)/d(first input) (scale 1). Backward
  cases store a random upstream gradient dout (or dg) and the gradients autograd
  computes from it.

tests/data/net_torch.safetensors - a PyTorch mirror of docs/networks.md's generator and
  discriminator, checked by the network parity test: G.* (w=4, B=2, reflect, nearest;
  loss l1 + mse + 0.5 tv + 10 mse(gram); 3 AdamW steps), G2.* (w=4, B=1, circular_x,
  bilinear; mse loss), D.* (dw=4; lsgan(out,1) + hinge_real(out); 3 Adam steps). See
  the metadata of the file for each configuration.

Numerics: every input and parameter is drawn in float32 (so the file holds it exactly),
then all computation runs in float64 and each result is rounded once to float32. The
fixture is therefore the exact answer to within half an fp32 ulp, and a C test's
tolerance only has to cover the C side's own fp32 rounding. Seeds are fixed and torch
runs single-threaded with deterministic algorithms, so the files are reproducible.
"""

import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FORMAT = "vrgen-fixture-1"
CDT = torch.float64  # compute dtype


# ---------------------------------------------------------------------------------------
# safetensors writer (the reference layout: 8-byte LE header length, JSON header padded
# with spaces to a multiple of 8, then the tensors back to back in insertion order)


class Fixture:
    def __init__(self):
        self.tensors = []  # (name, shape, bytes)
        self.names = set()
        self.meta = {"format": FORMAT, "torch_version": torch.__version__}

    def add(self, name, t):
        assert name not in self.names, name
        self.names.add(name)
        a = t.detach().to(torch.float32).contiguous().numpy()
        assert np.all(np.isfinite(a)), name
        self.tensors.append((name, list(a.shape), a.astype("<f4").tobytes()))

    def save(self, path):
        header = {"__metadata__": self.meta}
        off = 0
        for name, shape, data in self.tensors:
            header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [off, off + len(data)]}
            off += len(data)
        h = json.dumps(header, separators=(",", ":")).encode("utf-8")
        h += b" " * ((8 - len(h) % 8) % 8)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(struct.pack("<Q", len(h)))
            f.write(h)
            for _, _, data in self.tensors:
                f.write(data)
        os.replace(tmp, path)
        return 8 + len(h) + off


def f32(t):
    """Rounds to float32 and computes in float64 from there."""
    return t.to(torch.float32).to(CDT)


def rand(*shape, lo=-1.0, hi=1.0):
    return f32(torch.rand(*shape, dtype=torch.float32) * (hi - lo) + lo)


def randn(*shape):
    return f32(torch.randn(*shape, dtype=torch.float32))


def leaf(t):
    return t.clone().requires_grad_(True)


# ---------------------------------------------------------------------------------------
# Ops with gen_ops.h semantics


def pad2d(x, p, mode):
    """Pads (N,C,H,W) by p on all sides with a gen_pad_mode."""
    if p == 0:
        return x
    if mode == "zero":
        return F.pad(x, (p, p, p, p))
    if mode in ("reflect", "replicate"):
        return F.pad(x, (p, p, p, p), mode=mode)
    if mode == "circular_x":  # wrap along x, then reflect along y (corners: both)
        x = F.pad(x, (p, p, 0, 0), mode="circular")
        return F.pad(x, (0, 0, p, p), mode="reflect")
    raise ValueError(mode)


def conv2d(x, w, b, stride, pad, mode):
    return F.conv2d(pad2d(x, pad, mode), w, b, stride=stride)


def upsample2x(x, mode):
    if mode == "nearest":
        return F.interpolate(x, scale_factor=2, mode="nearest")
    return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)


def l1(a, b):
    return (a - b).abs().mean()


def mse(a, b):
    return ((a - b) ** 2).mean()


def lsgan(x, target):
    return ((x - target) ** 2).mean()


def hinge(x, mode):
    if mode == "real":
        return F.relu(1 - x).mean()
    if mode == "fake":
        return F.relu(1 + x).mean()
    return -x.mean()


def gram(f):
    """f (n,c,h,w) or (n,c,hw) -> (n,c,c), divided by c*hw."""
    n, c = f.shape[0], f.shape[1]
    f = f.reshape(n, c, -1)
    return f @ f.transpose(1, 2) / (c * f.shape[2])


def tv(x):
    dy = x[:, :, 1:, :] - x[:, :, :-1, :]
    dx = x[:, :, :, 1:] - x[:, :, :, :-1]
    return ((dy**2).sum() + (dx**2).sum()) / x.numel()


# ---------------------------------------------------------------------------------------
# ops_torch.safetensors


def describe(op, **kw):
    return " ".join(["op=" + op] + ["%s=%s" % (k, v) for k, v in kw.items()])


class Ops:
    def __init__(self):
        self.fx = Fixture()
        self.count = 0

    def case(self, name, desc, tensors):
        assert "case." + name not in self.fx.meta, name
        self.fx.meta["case." + name] = desc
        for field, t in tensors.items():
            self.fx.add(name + "." + field, t)
        self.count += 1

    def conv(self, n, ic, ih, iw, oc, k, s, pad, mode, bias):
        x = rand(n, ic, ih, iw)
        bound = 1.0 / (ic * k * k) ** 0.5  # PyTorch's default init scale
        w = rand(oc, ic, k, k, lo=-bound, hi=bound)
        b = rand(oc, lo=-0.5, hi=0.5) if bias else None
        xl, wl = leaf(x), leaf(w)
        bl = leaf(b) if bias else None
        if mode == "reflect" and (ih == 1 or iw == 1):
            # gen_ops.h defines reflect for n == 1 as mapping every index to 0, i.e. the
            # same as replicate; PyTorch refuses reflect padding there.
            out = conv2d(xl, wl, bl, s, pad, "replicate")
        else:
            out = conv2d(xl, wl, bl, s, pad, mode)
        dout = randn(*out.shape)
        out.backward(dout)
        name = "conv.%s.k%d.s%d.p%d.b%d.%dx%dx%dx%d.oc%d" % (mode, k, s, pad, bias, n, ic, ih, iw, oc)
        t = {"in": x, "w": w}
        if bias:
            t["b"] = b
        t.update({"out": out, "dout": dout, "din": xl.grad, "dw": wl.grad})
        if bias:
            t["db"] = bl.grad
        desc = describe("conv2d", n=n, ic=ic, ih=ih, iw=iw, oc=oc, k=k, s=s, pad=pad, mode=mode,
                        bias=int(bias))
        self.case(name, desc, t)

    def upsample(self, mode, n, c, h, w):
        x = rand(n, c, h, w)
        xl = leaf(x)
        out = upsample2x(xl, mode)
        dout = randn(*out.shape)
        out.backward(dout)
        self.case("upsample.%s.%dx%dx%dx%d" % (mode, n, c, h, w),
                  describe("upsample", mode=mode, n=n, c=c, h=h, w=w),
                  {"in": x, "out": out, "dout": dout, "din": xl.grad})

    def instnorm(self, n, c, h, w, scale=1.0, shift=0.0):
        x = rand(n, c, h, w) * scale + shift
        x = f32(x)
        g = rand(c, lo=0.5, hi=1.5)
        b = rand(c, lo=-0.5, hi=0.5)
        xl, gl, bl = leaf(x), leaf(g), leaf(b)
        out = F.instance_norm(xl, weight=gl, bias=bl, eps=1e-5)
        mean = x.mean(dim=(2, 3))
        var = x.var(dim=(2, 3), unbiased=False)
        stats = torch.stack([mean, 1.0 / torch.sqrt(var + 1e-5)], dim=2)
        dout = randn(*out.shape)
        out.backward(dout)
        self.case("instnorm.%dx%dx%dx%d" % (n, c, h, w), describe("instnorm", n=n, c=c, h=h, w=w),
                  {"in": x, "gamma": g, "beta": b, "out": out, "stats": stats, "dout": dout,
                   "din": xl.grad, "dgamma": gl.grad, "dbeta": bl.grad})

    def act(self, act, length, alpha=0.2):
        x = rand(length, lo=-3, hi=3)
        x[::7] = 0.0  # exact zeros: the derivative at the kink is part of the semantics
        xl = leaf(x)
        if act == "relu":
            out = F.relu(xl)
        elif act == "leaky_relu":
            out = F.leaky_relu(xl, alpha)
        elif act == "tanh":
            out = torch.tanh(xl)
        else:
            out = torch.sigmoid(xl)
        dout = randn(length)
        out.backward(dout)
        self.case("act.%s.%d" % (act, length), describe("act", act=act, alpha=alpha, len=length),
                  {"in": x, "out": out, "dout": dout, "din": xl.grad})

    def concat(self, n, ca, cb, hw):
        a, b = rand(n, ca, hw), rand(n, cb, hw)
        al, bl = leaf(a), leaf(b)
        out = torch.cat([al, bl], dim=1)
        dout = randn(*out.shape)
        out.backward(dout)
        self.case("concat.%dx%d+%dx%d" % (n, ca, cb, hw), describe("concat", n=n, ca=ca, cb=cb, hw=hw),
                  {"a": a, "b": b, "out": out, "dout": dout, "da": al.grad, "db": bl.grad})

    def avgpool(self, n, c, h, w, k, s):
        x = rand(n, c, h, w)
        xl = leaf(x)
        out = F.avg_pool2d(xl, k, s)
        dout = randn(*out.shape)
        out.backward(dout)
        self.case("avgpool.k%d.s%d.%dx%dx%dx%d" % (k, s, n, c, h, w),
                  describe("avgpool", n=n, c=c, h=h, w=w, k=k, s=s),
                  {"in": x, "out": out, "dout": dout, "din": xl.grad})

    def loss2(self, op, length):
        a, b = rand(length), rand(length)
        a[::5] = b[::5]  # ties: sign(0) = 0 for l1
        al = leaf(a)
        loss = (l1 if op == "l1" else mse)(al, b)
        loss.backward()
        self.case("%s.%d" % (op, length), describe(op, len=length),
                  {"a": a, "b": b, "loss": loss.reshape(1), "da": al.grad})

    def lsgan(self, target, length):
        x = rand(length, lo=-2, hi=2)
        xl = leaf(x)
        loss = lsgan(xl, target)
        loss.backward()
        self.case("lsgan.t%d.%d" % (target, length), describe("lsgan", target=target, len=length),
                  {"x": x, "loss": loss.reshape(1), "dx": xl.grad})

    def hinge(self, mode, length):
        x = rand(length, lo=-2, hi=2)
        x[::6] = 1.0  # the kinks: relu'(0) = 0
        x[3::6] = -1.0
        xl = leaf(x)
        loss = hinge(xl, mode)
        loss.backward()
        self.case("hinge.%s.%d" % (mode, length), describe("hinge", mode=mode, len=length),
                  {"x": x, "loss": loss.reshape(1), "dx": xl.grad})

    def gram(self, n, c, hw):
        f = rand(n, c, hw)
        fl = leaf(f)
        g = gram(fl)
        dg = randn(n, c, c)
        g.backward(dg)
        self.case("gram.%dx%dx%d" % (n, c, hw), describe("gram", n=n, c=c, hw=hw),
                  {"f": f, "g": g, "dg": dg, "df": fl.grad})

    def tv(self, n, c, h, w):
        x = rand(n, c, h, w)
        xl = leaf(x)
        loss = tv(xl)
        loss.backward()
        self.case("tv.%dx%dx%dx%d" % (n, c, h, w), describe("tv", n=n, c=c, h=h, w=w),
                  {"x": x, "loss": loss.reshape(1), "dx": xl.grad})

    def sum(self, length):
        x = rand(length)
        self.case("sum.%d" % length, describe("sum", len=length), {"x": x, "out": x.sum().reshape(1)})

    def adam(self, decoupled, length, lr, b1, b2, eps, wd, steps=3):
        p = leaf(rand(length))
        p0 = p.detach().clone()
        cls = torch.optim.AdamW if decoupled else torch.optim.Adam
        opt = cls([p], lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd)
        t = {"p0": p0}
        for step in range(1, steps + 1):
            g = randn(length) * 0.1
            g[::9] = 0.0
            p.grad = g.clone()
            opt.step()
            st = opt.state[p]
            t["g%d" % step] = g
            t["p%d" % step] = p.detach().clone()
            t["m%d" % step] = st["exp_avg"].clone()
            t["v%d" % step] = st["exp_avg_sq"].clone()
        name = "%s.%d.wd%g" % ("adamw" if decoupled else "adam", length, wd)
        self.case(name, describe("adam", decoupled=int(decoupled), len=length, lr=lr, b1=b1, b2=b2,
                                 eps=eps, wd=wd, steps=steps), t)


def make_ops(path):
    torch.manual_seed(1234)
    o = Ops()
    modes = ["zero", "reflect", "replicate", "circular_x"]
    # Every mode x kernel x stride on a small odd-sized image, bias on about half.
    for mi, mode in enumerate(modes):
        for ki, k in enumerate([1, 3, 4, 5, 9]):
            for s in (1, 2):
                o.conv(2, 3, 11, 13, 4, k, s, k // 2, mode, (mi + ki + s) % 2 == 0)
    # Padding other than k/2 (0 .. k-1).
    o.conv(1, 2, 9, 8, 3, 3, 1, 0, "zero", True)
    o.conv(1, 2, 9, 8, 3, 3, 1, 2, "reflect", False)
    o.conv(2, 2, 9, 8, 3, 4, 2, 1, "reflect", True)
    o.conv(1, 3, 10, 7, 2, 5, 2, 1, "replicate", False)
    o.conv(1, 2, 9, 8, 3, 3, 1, 2, "circular_x", True)
    o.conv(1, 2, 9, 9, 2, 9, 1, 8, "zero", False)
    o.conv(1, 2, 6, 7, 2, 5, 2, 4, "circular_x", True)
    # Awkward shapes: 1x1 images, 3x5, a larger 37x29 with odd channel counts.
    o.conv(1, 1, 1, 1, 1, 1, 1, 0, "zero", False)
    o.conv(1, 1, 1, 1, 2, 1, 2, 0, "reflect", True)
    o.conv(2, 2, 1, 1, 3, 3, 1, 1, "zero", True)
    o.conv(2, 2, 1, 1, 3, 3, 1, 1, "replicate", False)
    o.conv(2, 2, 1, 1, 3, 3, 1, 1, "reflect", True)
    for mode in modes:
        o.conv(1, 2, 3, 5, 3, 3, 1, 1, mode, True)
        o.conv(2, 3, 3, 5, 2, 3, 2, 1, mode, False)
    o.conv(1, 3, 37, 29, 5, 3, 2, 1, "reflect", True)
    o.conv(1, 7, 37, 29, 6, 3, 1, 1, "circular_x", False)
    o.conv(1, 3, 37, 29, 5, 9, 1, 4, "zero", True)

    for mode in ("nearest", "bilinear"):
        o.upsample(mode, 2, 3, 5, 7)
        o.upsample(mode, 1, 2, 1, 1)
        o.upsample(mode, 1, 2, 1, 4)
        o.upsample(mode, 1, 1, 37, 29)

    o.instnorm(2, 3, 7, 9)
    o.instnorm(1, 4, 2, 2)
    o.instnorm(1, 2, 1, 3)
    o.instnorm(1, 3, 37, 29, scale=3.0, shift=2.0)  # a big reduction with an offset mean

    for act in ("relu", "leaky_relu", "tanh", "sigmoid"):
        o.act(act, 211)
    o.concat(2, 3, 2, 20)
    o.concat(1, 1, 4, 7)

    o.avgpool(2, 3, 8, 8, 2, 2)
    o.avgpool(1, 2, 7, 9, 2, 2)
    o.avgpool(2, 2, 7, 9, 3, 1)
    o.avgpool(1, 3, 9, 11, 3, 2)
    o.avgpool(1, 1, 5, 6, 1, 1)

    for op in ("l1", "mse"):
        o.loss2(op, 301)
        o.loss2(op, 1)
    o.loss2("mse", 5000)
    for target in (1, 0):
        o.lsgan(target, 97)
    for mode in ("real", "fake", "gen"):
        o.hinge(mode, 120)
    o.gram(2, 4, 30)
    o.gram(1, 1, 1)
    o.gram(1, 3, 37 * 29)
    o.tv(2, 3, 7, 9)
    o.tv(1, 1, 1, 5)
    o.tv(1, 3, 37, 29)
    o.sum(1)
    o.sum(4097)

    o.adam(False, 50, 1e-2, 0.9, 0.999, 1e-8, 0.0)
    o.adam(False, 50, 2e-3, 0.5, 0.999, 1e-8, 1e-2)
    o.adam(True, 50, 1e-2, 0.5, 0.999, 1e-8, 0.1)
    o.adam(True, 33, 1e-3, 0.9, 0.99, 1e-6, 0.0)

    o.fx.meta["cases"] = str(o.count)
    o.fx.meta["compute"] = "float32 inputs, float64 computation, float32 results"
    size = o.fx.save(path)
    print("%s: %d cases, %d tensors, %d bytes" % (path, o.count, len(o.fx.tensors), size))


# ---------------------------------------------------------------------------------------
# net_torch.safetensors: the networks of docs/networks.md


class Conv(nn.Module):
    """conv k x k with a gen_pad_mode; parameters conv.weight [, conv.bias]."""

    def __init__(self, cin, cout, k, stride, pad, mode, bias):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride=stride, padding=0, bias=bias)
        self.stride, self.pad, self.mode = stride, pad, mode

    def forward(self, x):
        return F.conv2d(pad2d(x, self.pad, self.mode), self.conv.weight, self.conv.bias,
                        stride=self.stride)


class ConvNormAct(nn.Module):
    """[2x upsample;] conv (no bias); instance norm (affine); ReLU or LeakyReLU 0.2."""

    def __init__(self, cin, cout, k, stride, mode, up=None, leaky=False):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride=stride, padding=0, bias=False)
        self.norm = nn.InstanceNorm2d(cout, affine=True, eps=1e-5)
        self.k, self.stride, self.mode, self.up, self.leaky = k, stride, mode, up, leaky

    def forward(self, x):
        if self.up:
            x = upsample2x(x, self.up)
        x = F.conv2d(pad2d(x, self.k // 2, self.mode), self.conv.weight, stride=self.stride)
        x = self.norm(x)
        return F.leaky_relu(x, 0.2) if self.leaky else F.relu(x)


class Res(nn.Module):
    """x + IN(conv_b(ReLU(IN(conv_a(x))))), both 3x3 s1 p1, no bias."""

    def __init__(self, c, mode):
        super().__init__()
        self.conv_a = nn.Conv2d(c, c, 3, bias=False)
        self.norm_a = nn.InstanceNorm2d(c, affine=True, eps=1e-5)
        self.conv_b = nn.Conv2d(c, c, 3, bias=False)
        self.norm_b = nn.InstanceNorm2d(c, affine=True, eps=1e-5)
        self.mode = mode

    def forward(self, x):
        h = F.relu(self.norm_a(F.conv2d(pad2d(x, 1, self.mode), self.conv_a.weight)))
        h = self.norm_b(F.conv2d(pad2d(h, 1, self.mode), self.conv_b.weight))
        return x + h


class Generator(nn.Module):
    def __init__(self, w, blocks, pad, up):
        super().__init__()
        self.enc0 = ConvNormAct(3, w, 9, 1, pad)
        self.enc1 = ConvNormAct(w, 2 * w, 3, 2, pad)
        self.enc2 = ConvNormAct(2 * w, 4 * w, 3, 2, pad)
        self.blocks = blocks
        for i in range(blocks):
            setattr(self, "res%d" % i, Res(4 * w, pad))
        self.dec0 = ConvNormAct(4 * w, 2 * w, 3, 1, pad, up=up)
        self.dec1 = ConvNormAct(2 * w, w, 3, 1, pad, up=up)
        self.out = Conv(w, 3, 9, 1, 4, pad, bias=True)
        self.w = w

    def forward(self, x):
        n, _, h, wd = x.shape
        assert h % 4 == 0 and wd % 4 == 0
        x = self.enc0(x)
        assert x.shape == (n, self.w, h, wd)
        x = self.enc1(x)
        assert x.shape == (n, 2 * self.w, h // 2, wd // 2)
        x = self.enc2(x)
        assert x.shape == (n, 4 * self.w, h // 4, wd // 4)
        for i in range(self.blocks):
            x = getattr(self, "res%d" % i)(x)
        assert x.shape == (n, 4 * self.w, h // 4, wd // 4)
        x = self.dec0(x)
        assert x.shape == (n, 2 * self.w, h // 2, wd // 2)
        x = self.dec1(x)
        assert x.shape == (n, self.w, h, wd)
        x = torch.tanh(self.out(x))
        assert x.shape == (n, 3, h, wd)
        return x


class Discriminator(nn.Module):
    def __init__(self, dw):
        super().__init__()
        self.d0 = Conv(3, dw, 3, 2, 1, "zero", bias=True)
        self.d1 = ConvNormAct(dw, 2 * dw, 3, 2, "zero", leaky=True)
        self.d2 = ConvNormAct(2 * dw, 4 * dw, 3, 2, "zero", leaky=True)
        self.head = Conv(4 * dw, 1, 3, 1, 1, "zero", bias=True)
        self.dw = dw

    def forward(self, x):
        n, _, h, w = x.shape
        x = F.leaky_relu(self.d0(x), 0.2)
        assert x.shape == (n, self.dw, h // 2, w // 2)
        x = self.d1(x)
        assert x.shape == (n, 2 * self.dw, h // 4, w // 4)
        x = self.d2(x)
        assert x.shape == (n, 4 * self.dw, h // 8, w // 8)
        x = self.head(x)
        assert x.shape == (n, 1, h // 8, w // 8)
        return x


def expected_generator_shapes(w, blocks):
    """Parameter shapes exactly as docs/networks.md lists them."""
    s = {}
    for name, cin, cout, k in (("enc0", 3, w, 9), ("enc1", w, 2 * w, 3), ("enc2", 2 * w, 4 * w, 3),
                               ("dec0", 4 * w, 2 * w, 3), ("dec1", 2 * w, w, 3)):
        s[name + ".conv.weight"] = (cout, cin, k, k)
        s[name + ".norm.weight"] = (cout,)
        s[name + ".norm.bias"] = (cout,)
    for i in range(blocks):
        for ab in "ab":
            s["res%d.conv_%s.weight" % (i, ab)] = (4 * w, 4 * w, 3, 3)
            s["res%d.norm_%s.weight" % (i, ab)] = (4 * w,)
            s["res%d.norm_%s.bias" % (i, ab)] = (4 * w,)
    s["out.conv.weight"] = (3, w, 9, 9)
    s["out.conv.bias"] = (3,)
    return s


def expected_discriminator_shapes(dw):
    return {
        "d0.conv.weight": (dw, 3, 3, 3), "d0.conv.bias": (dw,),
        "d1.conv.weight": (2 * dw, dw, 3, 3), "d1.norm.weight": (2 * dw,), "d1.norm.bias": (2 * dw,),
        "d2.conv.weight": (4 * dw, 2 * dw, 3, 3), "d2.norm.weight": (4 * dw,),
        "d2.norm.bias": (4 * dw,),
        "head.conv.weight": (1, 4 * dw, 3, 3), "head.conv.bias": (1,),
    }


def make_model(cls, seed, *args):
    """Builds the model in float32 with PyTorch's default init under seed, sets instance
    norm affine parameters to non-trivial values, then moves it to float64."""
    torch.manual_seed(seed)
    m = cls(*args)
    with torch.no_grad():
        for name, p in m.named_parameters():
            if ".norm" in name and name.endswith(".weight"):
                p.uniform_(0.5, 1.5)
            elif ".norm" in name and name.endswith(".bias"):
                p.uniform_(-0.2, 0.2)
    return m.to(CDT)


def check_shapes(m, expected, what):
    got = {n: tuple(p.shape) for n, p in m.named_parameters()}
    assert got == expected, "%s: parameters differ from docs/networks.md:\n%s\n%s" % (what, got, expected)
    count = sum(p.numel() for p in m.parameters())
    print("%s: %d parameter tensors, %d parameters" % (what, len(got), count))
    return count


def add_params(fx, prefix, m, grads=False):
    for name, p in m.named_parameters():
        fx.add("%s.%s" % (prefix, name), p.grad if grads else p)


def g_loss(out, y):
    parts = torch.stack([l1(out, y), mse(out, y), tv(out), mse(gram(out), gram(y))])
    return parts[0] + parts[1] + 0.5 * parts[2] + 10.0 * parts[3], parts


def d_loss(out):
    return lsgan(out, 1.0) + hinge(out, "real")


# With reflect or circular_x padding a per-channel constant stays constant through the
# residual skips, upsampling and dec0's conv, and dec0's instance norm removes it: the output
# does not depend on res{i}.norm_b.bias at all. Their gradients are rounding noise, which
# Adam's m / sqrt(v) scales up to steps of up to lr.
DEAD_BIAS_NOTE = ("res{i}.norm_b.bias do not affect the output (dec0's instance norm removes any "
                  "per-channel constant): their gradients are rounding noise (~1e-18 here), "
                  "compare them with an absolute tolerance; Adam turns that noise into steps "
                  "of up to lr, so param_after.res{i}.norm_b.bias is not reproducible")


def make_net(path):
    fx = Fixture()
    meta = fx.meta
    meta["compute"] = "float32 inputs and initial parameters, float64 computation, float32 results"

    # Generator config A, with 3 AdamW steps.
    g = make_model(Generator, 1, 4, 2, "reflect", "nearest")
    params = check_shapes(g, expected_generator_shapes(4, 2), "G (w=4, B=2)")
    x = rand(2, 3, 16, 20)
    y = rand(2, 3, 16, 20)
    meta["G.config"] = "w=4 B=2 pad=reflect up=nearest input=2x3x16x20 seed=1 params=%d" % params
    meta["G.loss"] = "l1(out,y) + mse(out,y) + 0.5*tv(out) + 10*mse(gram(out),gram(y))"
    meta["G.optim"] = "adamw lr=0.01 b1=0.5 b2=0.999 eps=1e-08 wd=0.01 steps=3"
    meta["G.note"] = DEAD_BIAS_NOTE
    fx.add("G.x", x)
    fx.add("G.y", y)
    add_params(fx, "G.param", g)
    xl = leaf(x)
    out = g(xl)
    loss, parts = g_loss(out, y)
    loss.backward()
    fx.add("G.out", out)
    fx.add("G.loss", loss.reshape(1))
    fx.add("G.loss_parts", parts)
    add_params(fx, "G.grad", g, grads=True)
    fx.add("G.dx", xl.grad)
    opt = torch.optim.AdamW(g.parameters(), lr=1e-2, betas=(0.5, 0.999), eps=1e-8, weight_decay=0.01)
    step_loss = []
    for _ in range(3):
        opt.zero_grad()
        loss, _ = g_loss(g(x), y)
        step_loss.append(loss.detach())
        loss.backward()
        opt.step()
    assert abs(step_loss[0].item() - fx_loss(fx, "G.loss")) < 1e-6
    fx.add("G.step_loss", torch.stack(step_loss))
    add_params(fx, "G.param_after", g)

    # Generator config B: circular_x, bilinear, forward + backward only.
    g2 = make_model(Generator, 2, 4, 1, "circular_x", "bilinear")
    params = check_shapes(g2, expected_generator_shapes(4, 1), "G2 (w=4, B=1)")
    x = rand(1, 3, 12, 16)
    y = rand(1, 3, 12, 16)
    meta["G2.config"] = "w=4 B=1 pad=circular_x up=bilinear input=1x3x12x16 seed=2 params=%d" % params
    meta["G2.loss"] = "mse(out,y)"
    meta["G2.note"] = DEAD_BIAS_NOTE
    fx.add("G2.x", x)
    fx.add("G2.y", y)
    add_params(fx, "G2.param", g2)
    xl = leaf(x)
    out = g2(xl)
    loss = mse(out, y)
    loss.backward()
    fx.add("G2.out", out)
    fx.add("G2.loss", loss.reshape(1))
    add_params(fx, "G2.grad", g2, grads=True)
    fx.add("G2.dx", xl.grad)

    # Discriminator, with 3 Adam steps (L2 weight decay).
    d = make_model(Discriminator, 3, 4)
    params = check_shapes(d, expected_discriminator_shapes(4), "D (dw=4)")
    x = rand(2, 3, 32, 32)
    meta["D.config"] = "dw=4 input=2x3x32x32 seed=3 params=%d" % params
    meta["D.loss"] = "lsgan(out,1) + hinge_real(out)"
    meta["D.optim"] = "adam lr=0.002 b1=0.5 b2=0.999 eps=1e-08 wd=0.001 steps=3"
    fx.add("D.x", x)
    add_params(fx, "D.param", d)
    xl = leaf(x)
    out = d(xl)
    loss = d_loss(out)
    loss.backward()
    fx.add("D.out", out)
    fx.add("D.loss", loss.reshape(1))
    add_params(fx, "D.grad", d, grads=True)
    fx.add("D.dx", xl.grad)
    opt = torch.optim.Adam(d.parameters(), lr=2e-3, betas=(0.5, 0.999), eps=1e-8, weight_decay=1e-3)
    step_loss = []
    for _ in range(3):
        opt.zero_grad()
        loss = d_loss(d(x))
        step_loss.append(loss.detach())
        loss.backward()
        opt.step()
    fx.add("D.step_loss", torch.stack(step_loss))
    add_params(fx, "D.param_after", d)

    size = fx.save(path)
    print("%s: %d tensors, %d bytes" % (path, len(fx.tensors), size))


def fx_loss(fx, name):
    for n, _, data in fx.tensors:
        if n == name:
            return struct.unpack("<f", data)[0]
    raise KeyError(name)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: /usr/bin/python3 scripts/make-fixtures.py OUTPUT_DIR (e.g. tests/data)")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    make_ops(os.path.join(out, "ops_torch.safetensors"))
    make_net(os.path.join(out, "net_torch.safetensors"))


if __name__ == "__main__":
    main()
