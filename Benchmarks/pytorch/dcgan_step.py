"""The chapter 12 DCGAN in PyTorch (CPU): the speed reference for one GAN training iteration
(`make bench`).

    python dcgan_step.py --threads 1 --steps 60

Generator: z [64, 100, 1, 1] -> ConvTranspose 7x7 to 64 x 7 x 7 -> BN, ReLU -> ConvTranspose 4x4
stride 2 to 32 x 14 x 14 -> BN, ReLU -> ConvTranspose 4x4 stride 2 to 1 x 28 x 28 -> tanh (no
biases). Discriminator: Conv 4x4 stride 2 to 16 x 14 x 14 -> LeakyReLU 0.2 -> Conv 4x4 stride 2
to 32 x 7 x 7 -> BN -> LeakyReLU 0.2 -> Conv 7x7 to one logit. One iteration: a discriminator
step on a random "real" batch and a generated one, then a generator step with the non-saturating
loss; Adam 2e-4, betas (0.5, 0.999). Reports images per second over chunks of 15 iterations (the
fastest and the median chunk), as torchlight-bench --only dcgan-step does.
"""
import statistics, time
from common import busy_others, options, result, start_torch

args = options(steps=60)
torch = start_torch(args.threads, args.seed)
nn, F = torch.nn, torch.nn.functional
B, LATENT, W = 64, 100, 16

netG = nn.Sequential(
    nn.ConvTranspose2d(LATENT, 4 * W, 7, bias=False), nn.BatchNorm2d(4 * W), nn.ReLU(),
    nn.ConvTranspose2d(4 * W, 2 * W, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * W), nn.ReLU(),
    nn.ConvTranspose2d(2 * W, 1, 4, 2, 1, bias=False), nn.Tanh())
netD = nn.Sequential(
    nn.Conv2d(1, W, 4, 2, 1, bias=False), nn.LeakyReLU(0.2),
    nn.Conv2d(W, 2 * W, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * W), nn.LeakyReLU(0.2),
    nn.Conv2d(2 * W, 1, 7), nn.Flatten())
for m in list(netG.modules()) + list(netD.modules()):
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight, 0, 0.02)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1, 0.02)
        nn.init.zeros_(m.bias)
optG = torch.optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
optD = torch.optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
real = torch.rand(B, 1, 28, 28) * 2 - 1
ones, zeros = torch.ones(B, 1), torch.zeros(B, 1)


def step():
    with torch.no_grad():
        fake = netG(torch.randn(B, LATENT, 1, 1))
    lossD = (F.binary_cross_entropy_with_logits(netD(real), ones) + F.binary_cross_entropy_with_logits(netD(fake), zeros)) / 2
    optD.zero_grad()
    lossD.backward()
    optD.step()
    lossG = F.binary_cross_entropy_with_logits(netD(netG(torch.randn(B, LATENT, 1, 1))), ones)
    optG.zero_grad()
    lossG.backward()
    optG.step()
    return lossD.item() + lossG.item()


for _ in range(3):
    step()
chunk, seconds, others = 15, [], []
for _ in range(max(1, args.steps // chunk)):
    t0, stop = time.perf_counter(), busy_others()
    for _ in range(chunk):
        step()
    seconds.append(time.perf_counter() - t0)
    others.append(stop())
images = chunk * B
result("torch_dcgan_step", threads=args.threads, steps=args.steps, width=W,
       images_per_sec_max=images / min(seconds), images_per_sec_median=images / statistics.median(seconds),
       others_cpu_max=max(others), torch=torch.__version__)
