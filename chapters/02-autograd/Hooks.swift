import Torchlight

func sectionHooks() {
  say("A hook sees a gradient as backward passes by; returning a tensor replaces it, nil keeps it.")
  let e = Example()
  e.w.registerHook { g in g * 10 }
  say("  w.registerHook { g in g * 10 }   (on a leaf: scales what reaches w.grad)")
  e.a.registerHook { g in
    say("    hook on a: ∂y/∂a = \(value(g)) is passing through (a non-leaf; expected b = \(value(e.b)))")
    return nil
  }
  say("  a.registerHook { g in print(g); return nil }   (on a non-leaf: only looks)")
  e.b.retainGrad()
  say("  b.retainGrad()   (keep .grad on a non-leaf, which is otherwise dropped)")
  say("  y.backward():")
  e.y.backward()
  let hand = e.handGradients
  say("  w.grad = \(value(e.w.grad))   = 10 × \(formatted(hand.w)): the hook scaled the gradient on its way to w.grad")
  say("  x.grad = \(value(e.x.grad))    no hook on x")
  say("  b.grad = \(value(e.b.grad))    kept by retainGrad (∂y/∂b = a)")
  say("  a.grad = \(value(e.a.grad))    not retained")
}
