#!/usr/bin/env python3
"""Unseen data sets for checking `idl train`'s defaults (docs/results/README.md, "small class sets", 2026-12-07).

Usage: small_classes.py OUTDIR        writes OUTDIR/<set>/train.csv and test.csv (2,000 test rows each)
       small_classes.py --linear DIR  prints a multinomial logistic regression's test accuracy and log loss at
                                      ridges 1e-3 .. 0.1 per row (inputs standardized), the linear reference

numpy only. The sets: bin_imb, price500, tiny250, six150, const_dup (one generator stream), c6a .. c3ring and
d1 .. d10 (a seed each). Class sets mix a linear score with a ReLU-network score (d*: share `nl` of the network)
plus Gumbel noise, and put the inputs in mixed units.
"""
import numpy as np, os, sys

NTEST = 2000


def save(d, X, y, names=None):
    os.makedirs(d, exist_ok=True)
    m = len(y)
    cols = names or [f"f{i}" for i in range(X.shape[1])]
    for part, sl in (("train", slice(0, m - NTEST)), ("test", slice(m - NTEST, m))):
        with open(f"{d}/{part}.csv", "w") as f:
            f.write(",".join(cols + ["label"]) + "\n")
            for xi, yi in zip(X[sl], y[sl]):
                f.write(",".join(repr(float(v)) for v in xi) + "," + str(yi) + "\n")


def generate(root):
    def save_in(name, X, y):
        save(os.path.join(root, name), X, y)
    r = np.random.default_rng(8801)
    # binary 96/4 imbalance, string labels, units 1e-3..1e5, 2500 train rows
    m=4500; X=r.normal(size=(m,8)); s=np.array([1e-3,1,10,1e5,0.1,1e3,5,1e-2])
    z = 1.5*X[:,0]*X[:,1] + np.abs(X[:,2]) + X[:,3] - 4.2
    y = np.where(r.random(m) < 1/(1+np.exp(-2*z)), "churn", "stay")
    save_in("bin_imb", X*s+np.array([0,100,0,5e5,0,0,0,0]), y)
    # price-like regression, 500 train rows, 15 features, target ~5e5
    m=2500; X=r.normal(size=(m,15))
    t = 5e5 + 8e4*np.tanh(X[:,0]+X[:,1]*X[:,2]) + 3e4*X[:,3] + 2e4*np.maximum(X[:,4],0) + 1.5e4*r.normal(size=m)
    save_in("price500", X*np.array([1,10,100,1e3,0.5]*3), t.round(2))
    # tiny target, 250 train rows, 6 features
    m=2250; X=r.uniform(-2,2,size=(m,6)); t=1e-6*(np.sin(2*X[:,0])+X[:,1]**2/2+0.1*r.normal(size=m))
    save_in("tiny250", X, t)
    # six classes, 150 train rows, 10 features (20-30 per class)
    m=2150; X=r.normal(size=(m,10)); W=r.normal(size=(10,6)); lg=np.tanh(X@W*0.8)*3 + 0.5*X[:,:6]
    y = lg.argmax(1)
    save_in("six150", X, y)
    # constant + duplicated column, heavy-tailed noise regression 800 rows
    m=2800; X=r.normal(size=(m,12)); X[:,5]=3.0; X[:,7]=X[:,6]
    t = X[:,0]**2 + np.sin(3*X[:,1]) + X[:,6] + 0.3*r.standard_t(2,size=m)
    save_in("const_dup", X, t)
    for seed,(name,m,p,k,kind) in enumerate([("c6a",150,10,6,"tanh"),("c6b",300,10,6,"tanh"),("c3lin",200,20,3,"lin"),("c2lin",120,30,2,"lin"),("c4mix",400,8,4,"mix"),("c3ring",300,4,3,"ring")]):
        r=np.random.default_rng(9100+seed); M=m+2000
        X=r.normal(size=(M,p))
        if kind=="tanh":
            W=r.normal(size=(p,k)); lg=np.tanh(X@W*0.8)*3+0.5*X[:,:k]
        elif kind=="lin":
            W=r.normal(size=(p,k))*0.5; lg=X@W
        elif kind=="mix":
            W=r.normal(size=(p,k)); lg=X@W*0.7+np.c_[X[:,0]*X[:,1],np.abs(X[:,2]),X[:,3]**2-1,np.sin(2*X[:,4])]*1.5
        else:
            rad=np.sqrt((X[:,:2]**2).sum(1)); lg=np.c_[-(rad-0.7)**2*4,-(rad-1.5)**2*4,-(rad-2.5)**2*4]+0.3*X[:,2:3]
        lg=lg+r.gumbel(size=lg.shape)*0.7
        y=lg.argmax(1)
        X=X*np.exp(r.uniform(-3,3,size=p))  # mixed units
        save_in(name,X,y)
    specs=[("d1",250,15,4,0.0),("d2",400,40,3,0.5),("d3",800,12,5,1.0),("d4",180,8,2,0.3),("d5",600,25,8,0.2),
           ("d6",1200,30,3,0.7),("d7",350,6,3,1.0),("d8",500,50,2,0.0),("d9",900,20,6,0.4),("d10",300,10,4,0.6)]
    for i,(name,m,p,k,nl) in enumerate(specs):
        r=np.random.default_rng(7300+i); M=m+2000
        X=r.normal(size=(M,p))
        W=r.normal(size=(p,k))/np.sqrt(p)*2.5
        H=r.normal(size=(p,16))/np.sqrt(p)*1.5; V=r.normal(size=(16,k))*1.2
        lg=(1-nl)*(X@W)+nl*(np.maximum(X@H,0)@V - np.maximum(X@H,0).mean(0)@V)
        lg=lg*1.8+r.gumbel(size=lg.shape)
        pri=np.log(np.linspace(1,0.2,k)); lg=lg+pri
        y=lg.argmax(1)
        X=X*np.exp(r.uniform(-4,4,size=p))+r.uniform(-100,100,size=p)
        save_in(name,X,y)


def linear(d):
    def load(f):
        a = np.genfromtxt(f,delimiter=",",skip_header=1)
        return a[:, :-1], a[:, -1].astype(int)
    X,y=load(d+"/train.csv"); Xt,yt=load(d+"/test.csv")
    mu,sd=X.mean(0),X.std(0)+1e-12; X=(X-mu)/sd; Xt=(Xt-mu)/sd
    X=np.c_[X,np.ones(len(X))]; Xt=np.c_[Xt,np.ones(len(Xt))]
    k=y.max()+1; Y=np.eye(k)[y]
    for lam in [1e-3,1e-2,0.0316,0.1]:
        W=np.zeros((X.shape[1],k))
        for it in range(4000):
            Z=X@W; Z-=Z.max(1,keepdims=True); P=np.exp(Z); P/=P.sum(1,keepdims=True)
            W-=0.5*(X.T@(P-Y)/len(X)+lam*W)
        Z=Xt@W; Z-=Z.max(1,keepdims=True); P=np.exp(Z); P/=P.sum(1,keepdims=True)
        print(lam,(np.argmax(P,1)==yt).mean(), -np.log(P[np.arange(len(yt)),yt]).mean())


if __name__ == "__main__":
    if sys.argv[1] == "--linear":
        linear(sys.argv[2])
    else:
        generate(sys.argv[1])
