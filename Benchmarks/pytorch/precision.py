"""Chapter 14's training part in PyTorch (CPU): the MLP and LeNet in float32, under bfloat16
autocast, and under float16 autocast with and without a GradScaler.

    python precision.py --model mlp|lenet --threads 1 --epochs 10 [--formats fp32,bf16-autocast]

Same work as `precision --part training`: batch 256, SGD (lr 0.1 for the MLP, 0.9 for LeNet),
PyTorch's default initialisation for the MLP and Xavier-uniform weights for LeNet, the same
initial weights and batch order for every format. Autocast wraps the forward pass and the loss;
the parameters stay float32. Prints one RESULT line per format: the last epoch's test accuracy
and the seconds of the fastest training epoch.
"""
import copy, statistics
from common import EpochClock, fashion_mnist, options, result, start_torch

def more(p):
    p.add_argument("--model", default="mlp", choices=["mlp", "lenet"])
    p.add_argument("--formats", default="fp32,bf16-autocast,fp16-autocast-scaler,fp16-autocast",
                   help="comma-separated formats to run, in this order")


args = options(epochs=10, more=more)
torch = start_torch(args.threads, args.seed)
nn = torch.nn

if args.model == "mlp":
    start = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    lr = 0.1
else:
    start = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.Sigmoid(), nn.AvgPool2d(2),
        nn.Conv2d(6, 16, 5), nn.Sigmoid(), nn.AvgPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 10))
    for layer in start.modules():
        if isinstance(layer, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(layer.weight)
    lr = 0.9

xtrain, ytrain, xtest, ytest = fashion_mnist(torch, flat=False)
loss_fn = nn.CrossEntropyLoss()
formats = [("fp32", None, False), ("bf16-autocast", torch.bfloat16, False),
           ("fp16-autocast-scaler", torch.float16, True), ("fp16-autocast", torch.float16, False)]
for name, low, scaled in [f for f in formats if f[0] in args.formats.split(",")]:
    net = copy.deepcopy(start)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    scaler = torch.amp.GradScaler("cpu") if scaled else None
    cast = (lambda: torch.autocast("cpu", dtype=low)) if low is not None else (lambda: torch.autocast("cpu", enabled=False))
    shuffle = torch.Generator().manual_seed(args.seed)
    clock, skipped = EpochClock(), 0
    for epoch in range(args.epochs):
        net.train()
        order = torch.randperm(len(xtrain), generator=shuffle)
        total = 0.0
        with clock:
            for begin in range(0, len(xtrain), 256):
                batch = order[begin:begin + 256]
                with cast():
                    loss = loss_fn(net(xtrain[batch]), ytrain[batch])
                optimizer.zero_grad(set_to_none=True)
                if scaler:
                    scaler.scale(loss).backward()
                    before = scaler.get_scale()
                    scaler.step(optimizer)
                    scaler.update()
                    skipped += scaler.get_scale() < before
                else:
                    loss.backward()
                    optimizer.step()
                total += loss.item() * len(batch)
        net.eval()
        with torch.no_grad(), cast():
            accuracy = sum((net(xtest[i:i + 1000]).argmax(1) == ytest[i:i + 1000]).sum().item()
                           for i in range(0, len(xtest), 1000)) / len(xtest)
        print(f"# {args.model} {name} epoch {epoch + 1}: {clock.seconds[-1]:.3f} s, train_loss {total / len(xtrain):.4f}, "
              f"test_acc {accuracy:.4f}, others_cpu {clock.others[-1]:.2f}", flush=True)
    result(f"torch_precision_{args.model}", format=name, threads=args.threads, epochs=args.epochs,
           sec_per_epoch_min=min(clock.seconds), sec_per_epoch_median=statistics.median(clock.seconds),
           train_loss=total / len(xtrain), test_acc=accuracy, skipped_steps=skipped if scaled else 0,
           others_cpu_max=max(clock.others), torch=torch.__version__)
