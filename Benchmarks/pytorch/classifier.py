"""The Fashion-MNIST classifiers of chapters 04, 05, 07 and 08 in PyTorch (CPU), for `make bench`.

    python classifier.py --model softmax|mlp|lenet|lenet-bn|lenet-relu --threads 1 --epochs 3

Same work as the chapters' benchmark runs: batch 256, SGD (lr 0.1 for softmax and the MLP, 0.9 for
LeNet, 1.0 for the batch-norm LeNet), weights N(0, 0.01) for the linear models and Xavier-uniform
for the LeNets, data already in memory. `lenet-relu` is chapter 07's `--model lenet-relu`: ReLU,
2x2 max pooling and Adam (lr 0.001), run for 20 epochs there. Prints the test accuracy after every
epoch and the seconds of the fastest training epoch.
"""
import statistics
from common import EpochClock, fashion_mnist, options, result, start_torch

args = options(epochs=10, more=lambda p: p.add_argument("--model", default="mlp",
                                                         choices=["softmax", "mlp", "lenet", "lenet-bn", "lenet-relu"]))
torch = start_torch(args.threads, args.seed)
nn = torch.nn


def lenet(norm, relu=False):
    """d2l's LeNet: two 5x5 convolutions with sigmoid and 2x2 average pooling, three linear layers;
    with `norm`, batch norm after every convolution and hidden linear layer (and no padding); with
    `relu`, ReLU and max pooling instead of sigmoid and average pooling."""
    bn2, bn1 = (nn.BatchNorm2d, nn.BatchNorm1d) if norm else (lambda n: nn.Identity(),) * 2
    act, pool = (nn.ReLU, nn.MaxPool2d) if relu else (nn.Sigmoid, nn.AvgPool2d)
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=0 if norm else 2), bn2(6), act(), pool(2),
        nn.Conv2d(6, 16, 5), bn2(16), act(), pool(2), nn.Flatten(),
        nn.Linear(256 if norm else 400, 120), bn1(120), act(),
        nn.Linear(120, 84), bn1(84), act(), nn.Linear(84, 10))


flat = args.model in ("softmax", "mlp")
net, lr = {"softmax": (lambda: nn.Sequential(nn.Linear(784, 10)), 0.1),
           "mlp": (lambda: nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10)), 0.1),
           "lenet": (lambda: lenet(False), 0.9),
           "lenet-bn": (lambda: lenet(True), 1.0),
           "lenet-relu": (lambda: lenet(False, relu=True), 0.001)}[args.model]
net = net()
for layer in net.modules():
    if isinstance(layer, (nn.Linear, nn.Conv2d)):
        if flat:
            nn.init.normal_(layer.weight, std=0.01)
            nn.init.zeros_(layer.bias)
        else:
            nn.init.xavier_uniform_(layer.weight)

xtrain, ytrain, xtest, ytest = fashion_mnist(torch, flat)
optimizer = (torch.optim.Adam if args.model == "lenet-relu" else torch.optim.SGD)(net.parameters(), lr=lr)
loss_fn = nn.CrossEntropyLoss()
shuffle = torch.Generator().manual_seed(args.seed)
clock = EpochClock()
for epoch in range(args.epochs):
    net.train()
    order = torch.randperm(len(xtrain), generator=shuffle)
    total = 0.0
    with clock:
        for start in range(0, len(xtrain), 256):
            batch = order[start:start + 256]
            loss = loss_fn(net(xtrain[batch]), ytrain[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
    net.eval()
    with torch.no_grad():
        accuracy = sum((net(xtest[i:i + 1000]).argmax(1) == ytest[i:i + 1000]).sum().item()
                       for i in range(0, len(xtest), 1000)) / len(xtest)
    print(f"# epoch {epoch + 1}: {clock.seconds[-1]:.3f} s, train_loss {total / len(xtrain):.4f}, "
          f"test_acc {accuracy:.4f}, others_cpu {clock.others[-1]:.2f}", flush=True)
result(f"torch_{args.model}", threads=args.threads, epochs=args.epochs, sec_per_epoch_min=min(clock.seconds),
       sec_per_epoch_median=statistics.median(clock.seconds), train_loss=total / len(xtrain),
       test_acc=accuracy, others_cpu_max=max(clock.others), torch=torch.__version__)
