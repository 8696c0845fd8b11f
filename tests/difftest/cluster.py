"""One cluster, two spellings: corral INI (+ status INI) and a Pacemaker CIB.

A small in-memory model of a cluster (nodes, primitives, groups, clones,
constraints, and the current status), with writers for corral's config and
status files (SPEC sections 5 and 6) and for a Pacemaker 2.1.5 CIB that
crm_simulate accepts (configuration plus a status section whose operation
history makes resources run where the status says).

Standard library only. Shared by tests/difftest and bench/scheduler.
"""

from xml.sax.saxutils import quoteattr

INF = 1000000

# Pacemaker 2.1.5 refuses a CIB whose feature set is newer than its own.
CRM_FEATURE_SET = "3.16.1"
# The digest crm_simulate records for an op of an agent with no parameters;
# without it Pacemaker sees a "definition change" and restarts the resource.
OP_DIGEST = "f2317cad3d54cec5d7d7aa7d0bf35cf8"


def score_str(s):
    if s >= INF:
        return "INFINITY"
    if s <= -INF:
        return "-INFINITY"
    return str(s)


def _wrap(lines, limit=190):
    """corral reads lines of at most 199 bytes: continue a long value on
    indented lines (the loader joins them with a space)."""
    out = []
    for ln in lines:
        if len(ln) <= limit or " = " not in ln:
            out.append(ln)
            continue
        words = ln.split(" ")
        cur = ""
        for w in words:
            if cur and len(cur) + 1 + len(w) > limit:
                out.append(cur)
                cur = "    " + w
            else:
                cur = cur + " " + w if cur else w
        out.append(cur)
    return out


class Node:
    def __init__(self, name, nid, state="online", standby=False, attrs=None,
                 tattrs=None, capacity=None):
        self.name = name
        self.id = nid
        self.state = state  # online | offline | unclean
        self.standby = standby
        self.attrs = dict(attrs or {})      # permanent (config)
        self.tattrs = dict(tattrs or {})    # transient (status)
        self.capacity = dict(capacity or {})


class Prim:
    """A primitive. meta keys: stickiness priority migration-threshold target-role."""

    def __init__(self, rid, meta=None, uses=None, promotable_agent=False):
        self.id = rid
        self.meta = dict(meta or {})
        self.uses = dict(uses or {})
        self.promotable_agent = promotable_agent  # ocf:pacemaker:Stateful in the CIB


class Group:
    def __init__(self, gid, members, meta=None):
        self.id = gid
        self.members = members  # list of Prim
        self.meta = dict(meta or {})


class Clone:
    def __init__(self, cid, child, max_=None, per_node=None, promotable=False,
                 promoted_max=None, interleave=False, meta=None):
        self.id = cid
        self.child = child  # Prim or Group
        self.max = max_
        self.per_node = per_node
        self.promotable = promotable
        self.promoted_max = promoted_max
        self.interleave = interleave
        self.meta = dict(meta or {})


class Location:
    def __init__(self, lid, rsc, node=None, score=0, rule=None, role=None):
        """rule: (joiner 'and'|'or', [(attr, op, value-or-None)])."""
        self.id = lid
        self.rsc = rsc
        self.node = node
        self.score = score
        self.rule = rule
        self.role = role  # None | 'promoted' | 'unpromoted'


class Colocation:
    def __init__(self, cid, rsc, with_, score, role=None, with_role=None):
        self.id = cid
        self.rsc = rsc
        self.with_ = with_
        self.score = score
        self.role = role
        self.with_role = with_role


class Order:
    def __init__(self, oid, first, then, kind="mandatory", symmetrical=None):
        self.id = oid
        self.first = first
        self.then = then
        self.kind = kind
        self.symmetrical = symmetrical


class RscStatus:
    def __init__(self):
        self.active_on = []
        self.promoted_on = []
        self.failed_on = []        # last monitor failed (rc 7) there
        self.failcount = {}        # node -> int (INF allowed)


class Cluster:
    def __init__(self):
        self.name = "difftest"
        self.stonith_enabled = False
        self.symmetric = True
        self.default_stickiness = None      # None: unset
        self.default_migration_threshold = None
        self.start_failure_is_fatal = None
        self.placement_strategy = None      # default | utilization | balanced
        self.no_quorum_policy = None
        self.quorate = True
        self.now = "2026-11-25T10:00:00Z"
        self.nodes = []
        self.top = []          # Prim | Group | Clone, in configuration order
        self.locations = []
        self.colocations = []
        self.orders = []
        self.status = {}       # primitive id -> RscStatus
        # a fence device: [fence fencer] in corral; in the CIB a stonith
        # primitive with target-role Stopped. corral's fence devices are not
        # placed resources, while Pacemaker allocates a stonith primitive
        # like any other (it would count on its node in the "fewest
        # assigned" tie-break, and with a placement strategy it is sorted
        # ahead of resources with a negative score somewhere). Pacemaker
        # fences with a stopped device all the same (docs/pacemaker-
        # behaviour.md, "Divergences").
        self.fence_device = False

    # -- helpers -------------------------------------------------------------
    def st(self, rid):
        if rid not in self.status:
            self.status[rid] = RscStatus()
        return self.status[rid]

    def primitives(self):
        """Every primitive, in configuration order, with its enclosing clone (or None)."""
        out = []
        for t in self.top:
            if isinstance(t, Prim):
                out.append((t, None))
            elif isinstance(t, Group):
                out.extend((m, None) for m in t.members)
            else:
                c = t.child
                if isinstance(c, Prim):
                    out.append((c, t))
                else:
                    out.extend((m, t) for m in c.members)
        return out

    def node(self, name):
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

    # -- corral INI ----------------------------------------------------------
    def to_ini(self):
        L = []
        a = L.append
        a("[cluster]")
        a("name = %s" % self.name)
        a("stonith-enabled = %s" % ("true" if self.stonith_enabled else "false"))
        a("symmetric = %s" % ("true" if self.symmetric else "false"))
        if self.default_stickiness is not None:
            a("default-stickiness = %s" % score_str(self.default_stickiness))
        if self.default_migration_threshold is not None:
            a("default-migration-threshold = %s" % score_str(self.default_migration_threshold))
        if self.start_failure_is_fatal is not None:
            a("start-failure-is-fatal = %s" % ("true" if self.start_failure_is_fatal else "false"))
        if self.placement_strategy:
            a("placement-strategy = %s" % self.placement_strategy)
        if self.no_quorum_policy:
            a("no-quorum-policy = %s" % self.no_quorum_policy)
        a("")
        for n in self.nodes:
            a("[node %s]" % n.name)
            if n.standby:
                a("standby = true")
            for k, v in n.attrs.items():
                a("attr.%s = %s" % (k, v))
            for k, v in n.capacity.items():
                a("capacity.%s = %s" % (k, v))
            a("")

        def meta_lines(meta):
            for k in ("stickiness", "priority", "migration-threshold"):
                if k in meta:
                    v = meta[k]
                    a("%s = %s" % (k, score_str(v) if isinstance(v, int) else v))
            if "target-role" in meta:
                a("target-role = %s" % meta["target-role"])

        def prim(p):
            a("[resource %s]" % p.id)
            a("agent = dummy")
            meta_lines(p.meta)
            for k, v in p.uses.items():
                a("uses.%s = %s" % (k, v))
            a("")

        def group(g):
            for m in g.members:
                prim(m)
            a("[group %s]" % g.id)
            a("resources = %s" % " ".join(m.id for m in g.members))
            meta_lines(g.meta)
            a("")

        for t in self.top:
            if isinstance(t, Prim):
                prim(t)
            elif isinstance(t, Group):
                group(t)
            else:
                if isinstance(t.child, Prim):
                    prim(t.child)
                else:
                    group(t.child)
                a("[clone %s]" % t.id)
                a("resource = %s" % t.child.id)
                if t.max is not None:
                    a("max = %d" % t.max)
                if t.per_node is not None:
                    a("per-node = %d" % t.per_node)
                if t.promotable:
                    a("promotable = true")
                    if t.promoted_max is not None:
                        a("promoted-max = %d" % t.promoted_max)
                if t.interleave:
                    a("interleave = true")
                meta_lines(t.meta)
                a("")
        if self.fence_device:
            a("[fence fencer]")
            a("agent = dummy")
            a("hosts = %s" % " ".join(n.name for n in self.nodes))
            a("")
        for l in self.locations:
            a("[location %s]" % l.id)
            a("resource = %s" % l.rsc)
            if l.rule:
                joiner, exprs = l.rule
                parts = []
                for (attr, op, val) in exprs:
                    if op in ("defined", "not_defined"):
                        parts.append("attr.%s %s" % (attr, op))
                    else:
                        parts.append("attr.%s %s %s" % (attr, op, val))
                a("rule = %s" % (" %s " % joiner).join(parts))
            else:
                a("node = %s" % l.node)
            a("score = %s" % score_str(l.score))
            if l.role:
                a("role = %s" % l.role)
            a("")
        for c in self.colocations:
            a("[colocation %s]" % c.id)
            a("resource = %s" % c.rsc)
            a("with = %s" % c.with_)
            a("score = %s" % score_str(c.score))
            if c.role:
                a("role = %s" % c.role)
            if c.with_role:
                a("with-role = %s" % c.with_role)
            a("")
        for o in self.orders:
            a("[order %s]" % o.id)
            a("first = %s" % o.first)
            a("then = %s" % o.then)
            a("kind = %s" % o.kind)
            if o.symmetrical is not None:
                a("symmetrical = %s" % ("true" if o.symmetrical else "false"))
            a("")
        return "\n".join(_wrap(L))

    def to_status_ini(self):
        L = []
        a = L.append
        a("[quorum]")
        a("quorate = %s" % ("true" if self.quorate else "false"))
        a("now = %s" % self.now)
        a("")
        for n in self.nodes:
            a("[node %s]" % n.name)
            a("state = %s" % n.state)
            for k, v in n.tattrs.items():
                a("attr.%s = %s" % (k, v))
            a("")
        for p, _ in self.primitives():
            s = self.status.get(p.id)
            if not s or not (s.active_on or s.failcount):
                continue
            a("[resource %s]" % p.id)
            if s.active_on:
                a("active-on = %s" % " ".join(s.active_on))
            if s.promoted_on:
                a("promoted-on = %s" % " ".join(s.promoted_on))
            if s.failed_on:
                a("failed-on = %s" % " ".join(s.failed_on))
            for n, c in s.failcount.items():
                a("failcount.%s = %s" % (n, score_str(c)))
                a("last-failure.%s = %s" % (n, self.now))
            a("")
        return "\n".join(_wrap(L))

    # -- Pacemaker CIB -------------------------------------------------------
    def to_cib(self, probes=False):
        """probes: also record a 'not running' probe on every node where a
        primitive does not run (as a settled cluster's history has), so that
        Pacemaker schedules no probes."""
        L = []
        a = L.append
        q = quoteattr
        dc = next((n for n in self.nodes if n.state == "online"), self.nodes[0])
        a('<cib crm_feature_set="%s" validate-with="pacemaker-3.9" epoch="1" '
          'num_updates="0" admin_epoch="0" have-quorum="%d" dc-uuid="%s">'
          % (CRM_FEATURE_SET, 1 if self.quorate else 0, dc.id))
        a("<configuration><crm_config><cluster_property_set id=\"cib-bootstrap-options\">")
        props = [("stonith-enabled", "true" if self.stonith_enabled else "false"),
                 ("symmetric-cluster", "true" if self.symmetric else "false")]
        if self.start_failure_is_fatal is not None:
            props.append(("start-failure-is-fatal",
                          "true" if self.start_failure_is_fatal else "false"))
        if self.placement_strategy:
            props.append(("placement-strategy", self.placement_strategy))
        if self.no_quorum_policy:
            props.append(("no-quorum-policy", self.no_quorum_policy))
        for k, v in props:
            a('<nvpair id="opt-%s" name="%s" value="%s"/>' % (k, k, v))
        a("</cluster_property_set></crm_config>")
        a("<nodes>")
        for n in self.nodes:
            a('<node id="%s" uname=%s>' % (n.id, q(n.name)))
            if n.attrs or n.standby:
                a('<instance_attributes id="nodes-%s">' % n.id)
                if n.standby:
                    a('<nvpair id="nodes-%s-standby" name="standby" value="on"/>' % n.id)
                for k, v in n.attrs.items():
                    a('<nvpair id="nodes-%s-%s" name=%s value=%s/>' % (n.id, k, q(k), q(str(v))))
                a("</instance_attributes>")
            if n.capacity:
                a('<utilization id="nodes-%s-util">' % n.id)
                for k, v in n.capacity.items():
                    a('<nvpair id="nodes-%s-util-%s" name=%s value="%s"/>' % (n.id, k, q(k), v))
                a("</utilization>")
            a("</node>")
        a("</nodes>")
        rsc_defaults = []
        if self.default_stickiness is not None:
            rsc_defaults.append(("resource-stickiness", score_str(self.default_stickiness)))
        if self.default_migration_threshold is not None:
            rsc_defaults.append(("migration-threshold",
                                 score_str(self.default_migration_threshold)))

        def meta_xml(owner, meta, extra=()):
            items = []
            for k, v in meta.items():
                name = {"stickiness": "resource-stickiness"}.get(k, k)
                if k == "target-role":
                    v = {"started": "Started", "stopped": "Stopped",
                         "promoted": "Promoted", "unpromoted": "Unpromoted"}[v]
                elif isinstance(v, int):
                    v = score_str(v)
                items.append((name, v))
            items.extend(extra)
            if not items:
                return
            a('<meta_attributes id="%s-meta">' % owner)
            for k, v in items:
                a('<nvpair id="%s-meta-%s" name="%s" value="%s"/>' % (owner, k, k, v))
            a("</meta_attributes>")

        def prim(p):
            typ = "Stateful" if p.promotable_agent else "Dummy"
            a('<primitive id="%s" class="ocf" provider="pacemaker" type="%s">' % (p.id, typ))
            meta_xml(p.id, p.meta)
            if p.uses:
                a('<utilization id="%s-util">' % p.id)
                for k, v in p.uses.items():
                    a('<nvpair id="%s-util-%s" name="%s" value="%s"/>' % (p.id, k, k, v))
                a("</utilization>")
            a("</primitive>")

        def group(g):
            a('<group id="%s">' % g.id)
            meta_xml(g.id, g.meta)
            for m in g.members:
                prim(m)
            a("</group>")

        a("<resources>")
        for t in self.top:
            if isinstance(t, Prim):
                prim(t)
            elif isinstance(t, Group):
                group(t)
            else:
                a('<clone id="%s">' % t.id)
                extra = []
                if t.max is not None:
                    extra.append(("clone-max", str(t.max)))
                if t.per_node is not None:
                    extra.append(("clone-node-max", str(t.per_node)))
                if t.promotable:
                    extra.append(("promotable", "true"))
                    if t.promoted_max is not None:
                        extra.append(("promoted-max", str(t.promoted_max)))
                if t.interleave:
                    extra.append(("interleave", "true"))
                meta_xml(t.id, t.meta, extra)
                if isinstance(t.child, Prim):
                    prim(t.child)
                else:
                    group(t.child)
                a("</clone>")
        if self.fence_device:
            a('<primitive id="fencer" class="stonith" type="fence_dummy">'
              '<meta_attributes id="fencer-meta">'
              '<nvpair id="fencer-target-role" name="target-role" value="Stopped"/>'
              '</meta_attributes></primitive>')
        a("</resources>")
        a("<constraints>")
        ops = {"eq": "eq", "ne": "ne", "lt": "lt", "gt": "gt", "lte": "lte", "gte": "gte",
               "defined": "defined", "not_defined": "not_defined"}
        role_x = {"promoted": "Promoted", "unpromoted": "Unpromoted", None: None}
        for l in self.locations:
            role = ' role="%s"' % role_x[l.role] if l.role else ""
            if l.rule:
                joiner, exprs = l.rule
                a('<rsc_location id="%s" rsc="%s"%s>' % (l.id, l.rsc, role))
                a('<rule id="%s-rule" score="%s" boolean-op="%s">'
                  % (l.id, score_str(l.score), joiner))
                for i, (attr, op, val) in enumerate(exprs):
                    if val is None:
                        a('<expression id="%s-e%d" attribute=%s operation="%s"/>'
                          % (l.id, i, q(attr), ops[op]))
                    else:
                        typ = "number" if _is_int(val) else "string"
                        a('<expression id="%s-e%d" attribute=%s operation="%s" value=%s type="%s"/>'
                          % (l.id, i, q(attr), ops[op], q(str(val)), typ))
                a("</rule></rsc_location>")
            else:
                a('<rsc_location id="%s" rsc="%s" node=%s score="%s"%s/>'
                  % (l.id, l.rsc, q(l.node), score_str(l.score), role))
        for c in self.colocations:
            extra = ""
            if c.role:
                extra += ' rsc-role="%s"' % role_x[c.role]
            if c.with_role:
                extra += ' with-rsc-role="%s"' % role_x[c.with_role]
            a('<rsc_colocation id="%s" rsc="%s" with-rsc="%s" score="%s"%s/>'
              % (c.id, c.rsc, c.with_, score_str(c.score), extra))
        for o in self.orders:
            kind = {"mandatory": "Mandatory", "optional": "Optional",
                    "serialize": "Serialize"}[o.kind]
            sym = ""
            if o.symmetrical is not None:
                sym = ' symmetrical="%s"' % ("true" if o.symmetrical else "false")
            a('<rsc_order id="%s" first="%s" then="%s" kind="%s"%s/>'
              % (o.id, o.first, o.then, kind, sym))
        a("</constraints>")
        if rsc_defaults:
            a('<rsc_defaults><meta_attributes id="rsc-options">')
            for k, v in rsc_defaults:
                a('<nvpair id="rsc-options-%s" name="%s" value="%s"/>' % (k, k, v))
            a("</meta_attributes></rsc_defaults>")
        a("</configuration>")
        a("<status>")
        prims = self.primitives()
        call = [10]

        def op(rid, node, operation, rc, interval=0):
            call[0] += 1
            key = "%s_%s_%d" % (rid, operation, interval)
            opid = "%s_last_0" % rid if interval == 0 else "%s_monitor_%d" % (rid, interval)
            if operation == "monitor" and interval == 0:
                opid = "%s_last_0" % rid
            if rc not in (0, 7, 8) and interval:
                opid = "%s_last_failure_0" % rid
            tk = "%d:0:0:00000000-0000-0000-0000-000000000000" % call[0]
            a('<lrm_rsc_op id="%s" operation_key="%s" operation="%s" crm-debug-origin="difftest" '
              'crm_feature_set="%s" transition-key="%s" transition-magic="0:%d;%s" '
              'exit-reason="" on_node=%s call-id="%d" rc-code="%d" op-status="0" interval="%d" '
              'last-rc-change="1764064800" exec-time="0" queue-time="0" op-digest="%s"/>'
              % (opid, key, operation, CRM_FEATURE_SET, tk, rc, tk, q(node), call[0], rc, interval,
                 OP_DIGEST))

        for n in self.nodes:
            if n.state == "online":
                attrs = 'in_ccm="true" crmd="online" join="member" expected="member"'
            elif n.state == "offline":
                attrs = 'in_ccm="false" crmd="offline" join="down" expected="down"'
            else:  # unclean: expected up but gone from the membership
                attrs = 'in_ccm="false" crmd="offline" join="member" expected="member"'
            a('<node_state id="%s" uname=%s %s crm-debug-origin="difftest">' % (n.id, q(n.name), attrs))
            tattrs = dict(n.tattrs)
            for p, _ in prims:
                s = self.status.get(p.id)
                if s and n.name in s.failcount:
                    tattrs["fail-count-%s#start_0" % p.id] = score_str(s.failcount[n.name])
                    tattrs["last-failure-%s#start_0" % p.id] = "1764064770"
            if tattrs:
                a('<transient_attributes id="%s"><instance_attributes id="status-%s">' % (n.id, n.id))
                for k, v in tattrs.items():
                    a('<nvpair id="status-%s-%s" name=%s value=%s/>'
                      % (n.id, k.replace("#", "-"), q(k), q(str(v))))
                a("</instance_attributes></transient_attributes>")
            a('<lrm id="%s"><lrm_resources>' % n.id)
            for p, _ in prims:
                s = self.status.get(p.id)
                typ = "Stateful" if p.promotable_agent else "Dummy"
                if not s or n.name not in s.active_on:
                    if probes and n.state == "online":
                        a('<lrm_resource id="%s" type="%s" class="ocf" provider="pacemaker">'
                          % (p.id, typ))
                        op(p.id, n.name, "monitor", 7)
                        a("</lrm_resource>")
                    continue
                a('<lrm_resource id="%s" type="%s" class="ocf" provider="pacemaker">' % (p.id, typ))
                if n.name in s.promoted_on:
                    op(p.id, n.name, "promote", 0)
                else:
                    op(p.id, n.name, "start", 0)
                if n.name in s.failed_on:
                    op(p.id, n.name, "monitor", 7, 10000)
                a("</lrm_resource>")
            a("</lrm_resources></lrm>")
            a("</node_state>")
        a("</status></cib>")
        return "\n".join(L) + "\n"


def _is_int(v):
    try:
        int(str(v))
        return True
    except ValueError:
        return False
