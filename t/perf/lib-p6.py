# lib-p6.py - the Optuna peers of the p6* sweep benchmarks (Debian's
# python3-optuna, run by /usr/bin/python3).
#
#   lib-p6.py quality FUNC SEEDS TRIALS  TPE, one trial at a time: prints
#       "FUNC tpe median@50 median@TRIALS seconds" as sweep-bench does
#   lib-p6.py overhead TRIALS [sqlite]  RandomSampler, in-memory storage
#       (or SQLite in a scratch file, as a durable study is kept), an
#       objective that sums three suggested parameters: "TRIALS seconds
#       ms/trial"
#   lib-p6.py grid CSV ALPHAS  scikit-learn's GridSearchCV(Ridge(),
#       {'alpha': ALPHAS' values, one a line}, cv=5) on CSV (target
#       column "target"): "seconds best_alpha best_score"
#   lib-p6.py ridge CSV TRIALS  Optuna's RandomSampler(seed=1) over
#       alpha ~ loguniform(e^-9, e^5), each trial the mean of
#       cross_val_score(Ridge(alpha), cv=5): "seconds best_alpha
#       best_score"
import math
import statistics
import sys
import time

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)

A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
     [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
P = [[.1312, .1696, .5569, .0124, .8283, .5886],
     [.2329, .4135, .8307, .3736, .1004, .9991],
     [.2348, .1451, .3522, .2883, .3047, .6650],
     [.4047, .8828, .8732, .5743, .1091, .0381]]
ALPHA = [1, 1.2, 3, 3.2]


def branin(t):
    a = t.suggest_float("x0", -5, 10)
    b = t.suggest_float("x1", 0, 15)
    u = b - 5.1 / (4 * math.pi ** 2) * a * a + 5 / math.pi * a - 6
    return u * u + 10 * (1 - 1 / (8 * math.pi)) * math.cos(a) + 10


def hartmann6(t):
    x = [t.suggest_float("x%d" % i, 0, 1) for i in range(6)]
    return -sum(ALPHA[i] * math.exp(-sum(A[i][j] * (x[j] - P[i][j]) ** 2
                                         for j in range(6)))
                for i in range(4))


def rosenbrock5(t):
    x = [t.suggest_float("x%d" % i, -2, 2) for i in range(5)]
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2
               for i in range(4))


def quality(name, seeds, trials):
    f = {"branin": branin, "hartmann6": hartmann6,
         "rosenbrock5": rosenbrock5}[name]
    t0 = time.monotonic()
    at50, atn = [], []
    for seed in range(seeds):
        study = optuna.create_study(
            sampler=optuna.samplers.TPESampler(seed=seed))
        study.optimize(f, n_trials=trials)
        values = [t.value for t in study.trials]
        at50.append(min(values[:50]))
        atn.append(min(values))
    print("%s tpe %.6g %.6g %.1f" % (name, statistics.median(at50),
                                     statistics.median(atn),
                                     time.monotonic() - t0))


def overhead(trials, storage=None):
    def objective(t):
        return (t.suggest_float("lr", math.exp(-6), math.exp(-1), log=True)
                + t.suggest_float("x", -10, 10)
                + t.suggest_categorical("depth", [2, 4, 8, 16]))
    t0 = time.monotonic()
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1),
                                storage=storage)
    study.optimize(objective, n_trials=trials)
    t1 = time.monotonic()
    print("%d %.6f %.6f" % (trials, t1 - t0, (t1 - t0) * 1e3 / trials))


def diabetes(path):
    import pandas
    d = pandas.read_csv(path)
    return d.drop(columns="target").values, d["target"].values


def grid(path, alphas_file):
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import GridSearchCV
    x, y = diabetes(path)
    alphas = [float(a) for a in open(alphas_file)]
    t0 = time.monotonic()
    g = GridSearchCV(Ridge(), {"alpha": alphas}, cv=5).fit(x, y)
    t1 = time.monotonic()
    print("%.6f %r %r" % (t1 - t0, g.best_params_["alpha"], g.best_score_))


def ridge(path, trials):
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import cross_val_score
    x, y = diabetes(path)

    def objective(t):
        a = t.suggest_float("alpha", math.exp(-9), math.exp(5), log=True)
        return cross_val_score(Ridge(alpha=a), x, y, cv=5).mean()
    t0 = time.monotonic()
    study = optuna.create_study(direction="maximize",
                                sampler=optuna.samplers.RandomSampler(seed=1))
    study.optimize(objective, n_trials=trials)
    t1 = time.monotonic()
    print("%.6f %r %r" % (t1 - t0, study.best_params["alpha"],
                          study.best_value))


if sys.argv[1] == "quality":
    quality(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
elif sys.argv[1] == "grid":
    grid(sys.argv[2], sys.argv[3])
elif sys.argv[1] == "ridge":
    ridge(sys.argv[2], int(sys.argv[3]))
else:
    overhead(int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else None)
