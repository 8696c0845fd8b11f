from x import *
# node order vs name vs id
for order, ids in [(["n1","n2","n3"],[1,2,3]), (["n3","n1","n2"],[1,2,3]), (["n1","n2","n3"],[3,2,1]), (["b","a","c"],[1,2,3]), (["n10","n9","n2"],[1,2,3])]:
    c=Cluster(); nodes(c, order, ids)
    for i in range(1,6): c.top.append(Prim("r%d"%i))
    run(c, "tie-%s-%s"%("".join(order),"".join(map(str,ids))))
