/*
 * Reading an agent's XML meta-data (OCF resource agents and fence-agents'
 * fencing.py dialect) into corral_agent_info_t, with libxml2.
 */
#include "ocf_common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

/* A fence agent's parameters that the bridge itself fills in, or that make
 * the program print something and exit: never configured by the user. */
static const char *const fence_hidden_params[] = {
    "action", "port", "plug", "nodename", "help", "version", "separator", NULL,
};

static bool name_is(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static const xmlNode *child_named(const xmlNode *parent, const char *name)
{
    for (const xmlNode *c = parent->children; c; c = c->next)
        if (name_is(c, name)) return c;
    return NULL;
}

/* An attribute as a malloc'd string, or NULL. */
static char *attr_dup(const xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (!v) return NULL;
    char *s = corral__ocf_xstrdup((const char *)v);
    xmlFree(v);
    return s;
}

static bool attr_true(const xmlNode *n, const char *name)
{
    char *v = attr_dup(n, name);
    bool t = v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0 || strcmp(v, "yes") == 0);
    free(v);
    return t;
}

/* Collapse runs of whitespace into one space and trim: meta-data text is
 * indented for the XML file, not for a one-line description. */
static char *collapse_ws(const char *s)
{
    size_t len = strlen(s), j = 0;
    char *d = corral__ocf_xmalloc(len + 1);
    bool space = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = j > 0;
            continue;
        }
        if (space) d[j++] = ' ';
        space = false;
        d[j++] = c;
    }
    d[j] = '\0';
    return d;
}

/* Text of the child element `name` (preferring lang="en"), collapsed; NULL if absent or empty. */
static char *child_text(const xmlNode *parent, const char *name)
{
    const xmlNode *pick = NULL;
    for (const xmlNode *c = parent->children; c; c = c->next) {
        if (!name_is(c, name)) continue;
        char *lang = attr_dup(c, "lang");
        bool en = !lang || strcmp(lang, "en") == 0;
        free(lang);
        if (!pick || en) pick = c;
        if (en) break;
    }
    if (!pick) return NULL;
    xmlChar *raw = xmlNodeGetContent(pick);
    if (!raw) return NULL;
    char *s = collapse_ws((const char *)raw);
    xmlFree(raw);
    if (!*s) {
        free(s);
        return NULL;
    }
    return s;
}

/* "short: long" when both say something different, else whichever exists. */
static char *describe_text(char *shortdesc, char *longdesc)
{
    char *d;
    if (shortdesc && longdesc && strcmp(shortdesc, longdesc) != 0) {
        size_t sl = strlen(shortdesc);
        /* fencing.py repeats the agent name as longdesc; keep it short then. */
        if (strstr(longdesc, " ") == NULL)
            d = corral__ocf_xstrdup(shortdesc);
        else if (sl && (shortdesc[sl - 1] == '.' || shortdesc[sl - 1] == ':'))
            d = corral__ocf_xasprintf("%s %s", shortdesc, longdesc);
        else
            d = corral__ocf_xasprintf("%s. %s", shortdesc, longdesc);
    } else if (shortdesc) {
        d = corral__ocf_xstrdup(shortdesc);
    } else if (longdesc) {
        d = corral__ocf_xstrdup(longdesc);
    } else {
        d = corral__ocf_xstrdup("");
    }
    free(shortdesc);
    free(longdesc);
    return d;
}

static corral_param_type_t map_type(const char *type, corral__ocf_flavor_t flavor)
{
    if (!type) return CORRAL_PARAM_STRING;
    if (strcmp(type, "integer") == 0 || strcmp(type, "int") == 0) return CORRAL_PARAM_INTEGER;
    if (strcmp(type, "boolean") == 0) return CORRAL_PARAM_BOOLEAN;
    if (strcmp(type, "time") == 0) return CORRAL_PARAM_DURATION;
    /* fencing.py's "second": a number of seconds; the fence bridge turns a
     * corral duration ("5s", "500ms") into one when it feeds the agent. */
    if (flavor == CORRAL__OCF_FLAVOR_FENCE && strcmp(type, "second") == 0)
        return CORRAL_PARAM_DURATION;
    return CORRAL_PARAM_STRING;
}

static unsigned action_bit(const char *name, corral__ocf_flavor_t flavor)
{
    static const struct {
        const char *name;
        unsigned bit;
        int flavor; /* -1: both */
    } map[] = {
        {"start", CORRAL_ACT_START, CORRAL__OCF_FLAVOR_OCF},
        {"stop", CORRAL_ACT_STOP, CORRAL__OCF_FLAVOR_OCF},
        {"monitor", CORRAL_ACT_MONITOR, -1},
        {"validate-all", CORRAL_ACT_VALIDATE, -1},
        {"promote", CORRAL_ACT_PROMOTE, CORRAL__OCF_FLAVOR_OCF},
        {"demote", CORRAL_ACT_DEMOTE, CORRAL__OCF_FLAVOR_OCF},
        {"reload", CORRAL_ACT_RELOAD, CORRAL__OCF_FLAVOR_OCF},
        {"reload-agent", CORRAL_ACT_RELOAD, CORRAL__OCF_FLAVOR_OCF},
        {"notify", CORRAL_ACT_NOTIFY, CORRAL__OCF_FLAVOR_OCF},
        {"migrate_to", CORRAL_ACT_MIGRATE_TO, CORRAL__OCF_FLAVOR_OCF},
        {"migrate_from", CORRAL_ACT_MIGRATE_FROM, CORRAL__OCF_FLAVOR_OCF},
        {"off", CORRAL_ACT_OFF, CORRAL__OCF_FLAVOR_FENCE},
        {"on", CORRAL_ACT_ON, CORRAL__OCF_FLAVOR_FENCE},
        {"reboot", CORRAL_ACT_REBOOT, CORRAL__OCF_FLAVOR_FENCE},
        {"status", CORRAL_ACT_STATUS, CORRAL__OCF_FLAVOR_FENCE},
        {"list", CORRAL_ACT_LIST, CORRAL__OCF_FLAVOR_FENCE},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if ((map[i].flavor < 0 || map[i].flavor == (int)flavor) && strcmp(map[i].name, name) == 0)
            return map[i].bit;
    return 0;
}

static bool fence_hidden(const char *name)
{
    for (size_t i = 0; fence_hidden_params[i]; i++)
        if (strcmp(fence_hidden_params[i], name) == 0) return true;
    return false;
}

static xmlDoc *read_doc(const char *xml, size_t len, char **why_out, int *line_out)
{
    xmlResetLastError();
    xmlDoc *doc = xmlReadMemory(xml, (int)len, "meta-data", NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        const xmlError *e = xmlGetLastError();
        char *msg = corral__ocf_xstrdup(e && e->message ? e->message : "not well-formed XML");
        size_t ml = strlen(msg);
        while (ml && (msg[ml - 1] == '\n' || msg[ml - 1] == ' ')) msg[--ml] = '\0';
        *why_out = msg;
        *line_out = e ? e->line : 0;
    }
    return doc;
}

/* One <parameter> into spec; false when it is to be left out. */
static bool parse_param(const xmlNode *p, corral__ocf_flavor_t flavor, corral_param_spec_t *spec)
{
    char *name = attr_dup(p, "name");
    if (!name || !*name || (flavor == CORRAL__OCF_FLAVOR_FENCE && fence_hidden(name))) {
        free(name);
        return false;
    }
    memset(spec, 0, sizeof(*spec));
    spec->name = name;
    spec->required = attr_true(p, "required");
    spec->unique = attr_true(p, "unique");
    spec->reloadable = attr_true(p, "reloadable");

    const xmlNode *content = child_named(p, "content");
    char *type = content ? attr_dup(content, "type") : NULL;
    spec->type = map_type(type, flavor);
    char *def = content ? attr_dup(content, "default") : NULL;
    if (def && *def)
        spec->default_value = def;
    else
        free(def);

    char *desc = describe_text(child_text(p, "shortdesc"), child_text(p, "longdesc"));
    /* A select lists its choices as <option value=...>: worth showing. */
    if (content && type && strcmp(type, "select") == 0) {
        size_t dl = strlen(desc);
        char *choices = NULL;
        for (const xmlNode *o = content->children; o; o = o->next) {
            if (!name_is(o, "option")) continue;
            char *v = attr_dup(o, "value");
            if (!v) continue;
            char *c =
                choices ? corral__ocf_xasprintf("%s, %s", choices, v) : corral__ocf_xstrdup(v);
            free(choices);
            free(v);
            choices = c;
        }
        if (choices) {
            char *d = corral__ocf_xasprintf("%s%s(one of: %s)", desc, dl ? " " : "", choices);
            free(desc);
            free(choices);
            desc = d;
        }
    }
    if (attr_true(p, "deprecated")) {
        /* fencing.py marks an old alias (ipaddr, login, port) required like
         * its new name (ip, username, plug): requiring both would demand the
         * same value twice. The current name stays required. */
        spec->required = 0;
        char *d = corral__ocf_xasprintf("%s%s(deprecated)", desc, *desc ? " " : "");
        free(desc);
        desc = d;
    }
    spec->description = desc;
    free(type);
    return true;
}

int corral__ocf_meta_parse(const char *xml, size_t len, corral__ocf_flavor_t flavor,
                           const char *name, corral_agent_kind_t kind, const char *source,
                           corral_agent_info_t **info_out, char **error_out)
{
    int rc = 0, line = 0;
    char *why = NULL;
    corral_agent_info_t *info = NULL;
    xmlDoc *doc = read_doc(xml, len, &why, &line);
    if (!doc) {
        rc = -EINVAL;
        goto done;
    }
    const xmlNode *root = xmlDocGetRootElement(doc);
    if (!root || !name_is(root, "resource-agent")) {
        why = corral__ocf_xasprintf("the root element is <%s>, not <resource-agent>",
                                    root ? (const char *)root->name : "");
        line = root ? (int)xmlGetLineNo(root) : 0;
        rc = -EINVAL;
        goto done;
    }

    info = corral__ocf_xmalloc(sizeof(*info));
    memset(info, 0, sizeof(*info));
    info->name = corral__ocf_xstrdup(name);
    info->kind = kind;
    info->source = corral__ocf_xstrdup(source);
    /* The agent's own version is an attribute; <version> is the OCF API it speaks. */
    info->version = attr_dup(root, "version");
    if (!info->version) info->version = child_text(root, "version");
    if (!info->version) info->version = corral__ocf_xstrdup("");
    char *shortdesc = child_text(root, "shortdesc");
    if (!shortdesc) {
        char *a = attr_dup(root, "shortdesc");
        if (a) {
            shortdesc = collapse_ws(a);
            free(a);
        }
    }
    info->description = describe_text(shortdesc, child_text(root, "longdesc"));

    size_t n = 0, cap = 8;
    info->params = corral__ocf_xmalloc(cap * sizeof(*info->params));
    const xmlNode *params = child_named(root, "parameters");
    for (const xmlNode *p = params ? params->children : NULL; p; p = p->next) {
        if (!name_is(p, "parameter")) continue;
        if (n + 2 > cap) {
            cap *= 2;
            info->params = corral__ocf_xrealloc(info->params, cap * sizeof(*info->params));
        }
        if (parse_param(p, flavor, &info->params[n])) n++;
    }
    memset(&info->params[n], 0, sizeof(info->params[n]));

    const xmlNode *actions = child_named(root, "actions");
    for (const xmlNode *a = actions ? actions->children : NULL; a; a = a->next) {
        if (!name_is(a, "action")) continue;
        char *an = attr_dup(a, "name");
        if (an) info->actions |= action_bit(an, flavor);
        free(an);
    }

done:
    if (doc) xmlFreeDoc(doc);
    if (rc == 0) {
        *info_out = info;
    } else {
        if (error_out)
            *error_out = line > 0
                             ? corral__ocf_xasprintf("%s: meta-data line %d: %s", source, line, why)
                             : corral__ocf_xasprintf("%s: meta-data: %s", source, why);
        corral__ocf_info_free(info);
    }
    free(why);
    return rc;
}

void corral__ocf_info_free(corral_agent_info_t *info)
{
    if (!info) return;
    free(info->name);
    free(info->version);
    free(info->description);
    free(info->source);
    for (corral_param_spec_t *p = info->params; p && p->name; p++) {
        free((char *)p->name);
        free((char *)p->default_value);
        free((char *)p->description);
    }
    free(info->params);
    free(info);
}

/* Is there a <SECTION><ELEM name="name"> under the root? */
static bool meta_has(const char *xml, size_t len, const char *section, const char *elem,
                     const char *name)
{
    char *why = NULL;
    int line = 0;
    bool found = false;
    xmlDoc *doc = read_doc(xml, len, &why, &line);
    free(why);
    if (!doc) return false;
    const xmlNode *root = xmlDocGetRootElement(doc);
    const xmlNode *sec = root ? child_named(root, section) : NULL;
    for (const xmlNode *a = sec ? sec->children : NULL; a && !found; a = a->next) {
        if (!name_is(a, elem)) continue;
        char *an = attr_dup(a, "name");
        found = an && strcmp(an, name) == 0;
        free(an);
    }
    xmlFreeDoc(doc);
    return found;
}

bool corral__ocf_meta_has_action(const char *xml, size_t len, const char *action)
{
    return meta_has(xml, len, "actions", "action", action);
}

bool corral__ocf_meta_has_param(const char *xml, size_t len, const char *param)
{
    return meta_has(xml, len, "parameters", "parameter", param);
}

const corral_param_spec_t *corral__ocf_info_param(const corral_agent_info_t *info, const char *name)
{
    for (const corral_param_spec_t *p = info->params; p && p->name; p++)
        if (strcmp(p->name, name) == 0) return p;
    return NULL;
}
