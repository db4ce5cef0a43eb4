#!/usr/bin/env python3
"""The numpy reference for knobs' Pong policy gradient (issue 15's speed target): knobs' Pong
(ts/rl/pong.ts) ported line by line, with its xoshiro128** Rng (ts/random.ts), and the policy
gradient of Karpathy's pg-pong.py written the way that script writes it (numpy, one forward per
step with the hidden layer cached, backward by hand at the update, RMSprop), on knobs' network:
observation -> 200 ReLU -> 3 softmax, with biases, REINFORCE with discounted returns restarted at
each point and normalised over the batch, RMSprop (decay 0.99, eps 1e-8 after the square root,
as torch.optim.RMSprop).

Writes test/fixtures/pong-numpy-reference.json:
  - "trajectory": positions, reward and score after each of 400 steps of a seeded game under a
    seeded action stream. test/pong.test.ts replays it on the TypeScript Pong and wants the same
    numbers exactly, which is what makes the timing below "the same environment dynamics".
  - "speed": training frames per second of this implementation (wall and CPU time) for the
    configurations bench/pong.ts times for knobs and TensorFlow.js: pixels (80x80 frame
    differences, 6400-200-3) and state (8-200-3), one or ten games per update, games cut at
    exactly 200 steps (maxSteps 200, pointsToWin 1000) so every update sees the same frames.

Run by a developer on the benchmark machine, never by the tests (numpy single-threaded, as knobs
trains on one thread):

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /work/wt/venv-w2v/bin/python scripts/pong-numpy-reference.py [--quick]
"""
import json
import os
import platform
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "test", "fixtures", "pong-numpy-reference.json")

M32 = 0xFFFFFFFF


def imul(a, b):
    return (a * b) & M32


def rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & M32


def mix32(x):
    x &= M32
    x = imul(x ^ (x >> 16), 0x85EBCA6B)
    x = imul(x ^ (x >> 13), 0xC2B2AE35)
    return (x ^ (x >> 16)) & M32


class Rng:
    """ts/random.ts Rng: xoshiro128** seeded through murmur3's finaliser."""

    def __init__(self, seed):
        s = int(np.floor(seed))
        self.a = mix32((s & M32) ^ 0x9E3779B9)
        self.b = mix32(self.a ^ 0x243F6A88)
        self.c = mix32(self.b ^ 0xB7E15162)
        self.d = mix32(self.c ^ ((s // 2**32) & M32))
        if (self.a | self.b | self.c | self.d) == 0:
            self.a = 1

    def next_u32(self):
        r = imul(rotl(imul(self.b, 5), 7), 9)
        t = (self.b << 9) & M32
        self.c ^= self.a
        self.d ^= self.b
        self.b ^= self.c
        self.a ^= self.d
        self.c ^= t
        self.d = rotl(self.d, 11)
        return r

    def next(self):
        return self.next_u32() / 4294967296

    def int(self, n):
        return int(np.floor(self.next() * n))


def episode_seed(env_seed, episode):
    return (imul((env_seed ^ 0x5BD1E995) & M32, 0x9E3779B1) ^ imul(episode + 1, 0x85EBCA6B)) & M32


SIZE, BALL, AGENT_X, OPPONENT_X, PADDLE_W = 80, 2, 74, 4, 2
SERVE_SPEED, MAX_SPEED, SPEEDUP, MAX_VY, JITTER = 1.5, 4, 1.1, 2, 0.6


class Pong:
    """ts/rl/pong.ts, same defaults, same arithmetic order (float64, as JavaScript numbers)."""

    def __init__(self, seed=0, observation="state", frame_diff=False, frame_skip=2, points_to_win=21,
                 opponent_speed=1, paddle_speed=2, paddle_height=12, max_steps=100000):
        self.mode, self.frame_diff, self.frame_skip = observation, frame_diff, frame_skip
        self.points_to_win, self.opponent_speed, self.paddle_speed = points_to_win, opponent_speed, paddle_speed
        self.h, self.max_steps = paddle_height, max_steps
        self.rng = Rng(seed)
        self.size = 8 if observation == "state" else SIZE * SIZE

    def reset(self, seed=None):
        if seed is not None:
            self.rng = Rng(seed)
        mid = (SIZE - self.h) / 2
        self.ay = self.oy = mid
        self.avy = self.ovy = 0
        self.agent = self.opp = 0
        self.frame = self.steps = 0
        self.done = False
        self.prev = None
        self.serve()
        return self.observe()

    def serve(self):
        self.bx = (SIZE - BALL) / 2
        self.by = (SIZE - BALL) / 2
        self.vx = SERVE_SPEED
        self.vy = (self.rng.next() * 2 - 1) * 1.5

    def step(self, action):
        reward = 0
        for _ in range(self.frame_skip):
            reward = self.tick(action)
            if reward != 0:
                break
        self.steps += 1
        won = self.agent >= self.points_to_win or self.opp >= self.points_to_win
        self.done = won or self.steps >= self.max_steps
        return self.observe(), reward, self.done

    def tick(self, action):
        self.frame += 1
        h = self.h
        lo, hi = 0, SIZE - h
        move = -self.paddle_speed if action == 1 else self.paddle_speed if action == 2 else 0
        ay = min(hi, max(lo, self.ay + move))
        self.avy = ay - self.ay
        self.ay = ay
        want = self.by + BALL / 2 - h / 2 - self.oy
        oy = min(hi, max(lo, self.oy + max(-self.opponent_speed, min(self.opponent_speed, want))))
        self.ovy = oy - self.oy
        self.oy = oy
        px = self.bx
        self.bx += self.vx
        self.by += self.vy
        if self.by < 0:
            self.by = -self.by
            self.vy = -self.vy
        elif self.by > SIZE - BALL:
            self.by = 2 * (SIZE - BALL) - self.by
            self.vy = -self.vy
        if self.vx > 0 and px + BALL <= AGENT_X and self.bx + BALL > AGENT_X and self.overlaps(self.ay):
            self.bounce(AGENT_X - BALL, self.ay)
        elif self.vx < 0 and px >= OPPONENT_X + PADDLE_W and self.bx < OPPONENT_X + PADDLE_W and self.overlaps(self.oy):
            self.bounce(OPPONENT_X + PADDLE_W, self.oy)
        if self.bx + BALL < 0:
            return self.point(1)
        if self.bx > SIZE:
            return self.point(-1)
        return 0

    def overlaps(self, y):
        return self.by + BALL > y and self.by < y + self.h

    def bounce(self, x, y):
        half = self.h / 2 + BALL / 2
        offset = max(-1, min(1, (self.by + BALL / 2 - (y + self.h / 2)) / half))
        self.bx = x
        self.vx = -np.sign(self.vx) * min(MAX_SPEED, abs(self.vx) * SPEEDUP)
        self.vy = offset * MAX_VY + (self.rng.next() - 0.5) * JITTER

    def point(self, who):
        if who > 0:
            self.agent += 1
        else:
            self.opp += 1
        self.serve()
        return who

    def observe(self):
        if self.mode == "state":
            c = lambda v: (2 * v) / SIZE - 1
            h = self.h / 2
            return np.array([c(self.bx + BALL / 2), c(self.by + BALL / 2), self.vx / MAX_SPEED, self.vy / MAX_VY,
                             c(self.ay + h), self.avy / self.paddle_speed, c(self.oy + h), self.ovy / self.opponent_speed], np.float32)
        f = np.zeros((SIZE, SIZE), np.float32)
        for x, y, w, hh in ((OPPONENT_X, self.oy, PADDLE_W, self.h), (AGENT_X, self.ay, PADDLE_W, self.h), (self.bx, self.by, BALL, BALL)):
            x0, x1 = max(0, int(np.floor(x))), min(SIZE, int(np.ceil(x + w)))
            y0, y1 = max(0, int(np.floor(y))), min(SIZE, int(np.ceil(y + hh)))
            f[y0:y1, x0:x1] = 1
        f = f.ravel()
        if not self.frame_diff:
            return f
        out = f - self.prev if self.prev is not None else np.zeros_like(f)
        self.prev = f
        return out


class PolicyGradient:
    """pg-pong.py's learner on knobs' network (d-200-3 softmax with biases), float32."""

    def __init__(self, d, hidden=200, actions=3, lr=1e-3, decay=0.99, gamma=0.99, seed=1):
        g = np.random.default_rng(seed)
        self.p = {
            "W1": (g.standard_normal((d, hidden)) / np.sqrt(d)).astype(np.float32),
            "b1": np.zeros(hidden, np.float32),
            "W2": (g.standard_normal((hidden, actions)) / np.sqrt(hidden)).astype(np.float32),
            "b2": np.zeros(actions, np.float32),
        }
        self.sq = {k: np.zeros_like(v) for k, v in self.p.items()}
        self.lr, self.decay, self.gamma, self.actions = lr, decay, gamma, actions
        self.g = g

    def forward(self, x):
        h = np.maximum(x @ self.p["W1"] + self.p["b1"], 0)
        z = h @ self.p["W2"] + self.p["b2"]
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return h, e / e.sum(axis=1, keepdims=True)

    def returns(self, r, lengths):
        out = np.zeros(len(r), np.float32)
        ends = set(np.cumsum(lengths) - 1)
        run = 0.0
        for i in range(len(r) - 1, -1, -1):
            if i in ends or r[i] != 0:
                run = 0.0
            run = run * self.gamma + r[i]
            out[i] = run
        return out

    def train_episodes(self, envs, seeds):
        """One episode in every env (acting on all of them in one forward pass), then one update."""
        n = len(envs)
        xs, hs, ps, acts, rews = ([[] for _ in range(n)] for _ in range(5))
        cur = [e.reset(s) for e, s in zip(envs, seeds)]
        live = list(range(n))
        while live:
            x = np.stack([cur[e] for e in live])
            h, p = self.forward(x)
            u = self.g.random(len(live))
            a = np.minimum((p.cumsum(axis=1) < u[:, None]).sum(axis=1), self.actions - 1)
            nxt = []
            for j, e in enumerate(live):
                xs[e].append(cur[e]), hs[e].append(h[j]), ps[e].append(p[j]), acts[e].append(a[j])
                cur[e], r, done = envs[e].step(int(a[j]))
                rews[e].append(r)
                if not done:
                    nxt.append(e)
            live = nxt
        lengths = [len(a) for a in acts]
        X, H, P = np.stack(sum(xs, [])), np.stack(sum(hs, [])), np.stack(sum(ps, []))
        A = np.array(sum(acts, []))
        adv = self.returns(np.array(sum(rews, []), np.float32), lengths)
        adv = (adv - adv.mean()) / (adv.std() + 1e-8)
        T = len(A)
        # d(-mean(adv * log p[a])) / dlogits = (p - onehot(a)) * adv / T
        dz = P.copy()
        dz[np.arange(T), A] -= 1
        dz *= (adv / T)[:, None]
        dh = dz @ self.p["W2"].T
        dh[H <= 0] = 0
        grads = {"W2": H.T @ dz, "b2": dz.sum(0), "W1": X.T @ dh, "b1": dh.sum(0)}
        for k, gk in grads.items():
            self.sq[k] = self.decay * self.sq[k] + (1 - self.decay) * gk * gk
            self.p[k] -= self.lr * gk / (np.sqrt(self.sq[k]) + 1e-8)
        return T


def trajectory():
    env = Pong(seed=7)
    env.reset(episode_seed(7, 0))
    acts = Rng(99)
    rows = []
    for _ in range(400):
        a = acts.int(3)
        _, r, done = env.step(a)
        rows.append([a, env.bx, env.by, env.vx, env.vy, env.ay, env.oy, r, env.agent, env.opp])
        if done:
            break
    return {"envSeed": 7, "resetSeed": episode_seed(7, 0), "actionSeed": 99,
            "columns": ["action", "ballX", "ballY", "ballVx", "ballVy", "agentY", "opponentY", "reward", "agentScore", "opponentScore"],
            "rows": rows}


def time_config(observation, envs, updates):
    kw = dict(observation=observation, frame_diff=observation == "pixels", max_steps=200, points_to_win=1000)
    games = [Pong(seed=1, **kw) for _ in range(envs)]
    agent = PolicyGradient(games[0].size, lr=1e-3, seed=1)
    agent.train_episodes(games, [episode_seed(1, k) for k in range(envs)])  # warm-up
    w0, c0 = time.perf_counter(), time.process_time()
    frames = 0
    for u in range(updates):
        frames += agent.train_episodes(games, [episode_seed(1, (u + 1) * envs + k) for k in range(envs)])
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    row = {"observation": observation, "network": f"{games[0].size}-200-3", "envs": envs, "stepsPerGame": 200, "updates": updates,
           "frames": frames, "wallSeconds": round(wall, 3), "cpuSeconds": round(cpu, 3),
           "framesPerSecondWall": round(frames / wall, 1), "framesPerCpuSecond": round(frames / cpu, 1)}
    print(json.dumps(row), flush=True)
    return row


def main():
    quick = "--quick" in sys.argv
    load0 = os.getloadavg()
    configs = [("pixels", 1, 3 if quick else 15), ("pixels", 10, 1 if quick else 3), ("state", 1, 3 if quick else 15), ("state", 10, 1 if quick else 3)]
    speed = [time_config(*c) for c in configs]
    out = {
        "generator": "scripts/pong-numpy-reference.py" + (" --quick" if quick else ""),
        "python": platform.python_version(), "numpy": np.__version__,
        "threads": {k: os.environ.get(k, "unset") for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")},
        "machine": f"{platform.machine()} {os.cpu_count()} cores",
        "loadAverageBefore": [round(v, 2) for v in load0], "loadAverageAfter": [round(v, 2) for v in os.getloadavg()],
        "trajectory": trajectory(),
        "speed": speed,
    }
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
