/*
 * config.c - read and check the daemon's .ini file.
 *
 * inih does the tokenising.  It only reports the first syntax error and
 * does not pass line numbers to the handler in Debian's build, so we feed
 * it lines ourselves through ini_parse_stream(): the reader counts lines
 * and classifies each one the way inih will, which lets us report every
 * syntax error and unknown section with its line.  Values are collected
 * raw first and checked afterwards, key by key, so that one bad value
 * never hides another.
 */
#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "config.h"
#include "log.h"
#include "paths.h"
#include "reload.h"

enum kind {
  K_GLOBS,   /* list of globs naming existing files */
  K_NAMES,   /* list of library names */
  K_DIRS,    /* list of existing directories */
  K_WORDS,   /* program arguments, shell-quoted */
  K_SYMBOL,  /* an identifier */
  K_DIR,     /* one existing directory */
  K_COMMAND, /* a shell command, kept as text */
  K_TEXT,    /* any text but none */
  K_UINT,    /* whole number in [min, max] */
  K_BOOL,
  K_CHOICE,  /* one of `choices`; stored as its index */
  K_FILE,    /* a file to write; its directory must exist */
  K_PATTERNS /* list of globs that may match nothing yet */
};

static const char *const sections[] = {"program", "watch", "reload", "log"};
#define NSECTIONS (sizeof sections / sizeof *sections)

static const char *const modes[] = {"immediate", "safepoint", NULL};
static const char *const levels[] = {"error", "warn", "info", "debug", NULL};
static const char *const colors[] = {"auto", "always", "never", NULL};
static const char *const bools[] = {"true", "false", NULL};
static const char *const perf_maps[] = {"true", "false", "keep", NULL};

struct keydef {
  unsigned section; /* index into sections[] */
  const char *name;
  enum kind kind;
  size_t off; /* of the field in struct config */
  unsigned min, max;
  const char *const *choices;
  const char *unit;
};

#define F(field) offsetof(struct config, field)
static const struct keydef keys[CONFIG_NKEYS] = {
    [CK_PROGRAM_OBJECTS] = {0, "objects", K_GLOBS, F(objects), 0, 0, NULL, NULL},
    [CK_PROGRAM_LIBRARIES] = {0, "libraries", K_NAMES, F(libraries), 0, 0, NULL, NULL},
    [CK_PROGRAM_LIBRARY_PATHS] = {0, "library_paths", K_DIRS, F(library_paths), 0, 0, NULL, NULL},
    [CK_PROGRAM_ENTRY] = {0, "entry", K_SYMBOL, F(entry), 0, 0, NULL, NULL},
    [CK_PROGRAM_ARGV0] = {0, "argv0", K_TEXT, F(argv0), 0, 0, NULL, NULL},
    [CK_PROGRAM_ARGS] = {0, "args", K_WORDS, F(args), 0, 0, NULL, NULL},
    [CK_PROGRAM_WORKDIR] = {0, "workdir", K_DIR, F(workdir), 0, 0, NULL, NULL},
    [CK_WATCH_OBJECTS] = {1, "objects", K_GLOBS, F(watch_objects), 0, 0, NULL, NULL},
    [CK_WATCH_SOURCES] = {1, "sources", K_PATTERNS, F(sources), 0, 0, NULL, NULL},
    [CK_WATCH_BUILD] = {1, "build", K_COMMAND, F(build), 0, 0, NULL, NULL},
    [CK_WATCH_BUILD_TIMEOUT_S] = {1, "build_timeout_s", K_UINT, F(build_timeout_s), 1, 86400, NULL, "seconds"},
    [CK_WATCH_DEBOUNCE_MS] = {1, "debounce_ms", K_UINT, F(debounce_ms), 0, 10000, NULL, "milliseconds"},
    [CK_WATCH_ALLOW_SHARED_DIRS] = {1, "allow_shared_dirs", K_BOOL, F(allow_shared_dirs), 0, 0, NULL, NULL},
    [CK_RELOAD_MODE] = {2, "mode", K_CHOICE, F(mode), 0, 0, modes, NULL},
    [CK_RELOAD_KEEP_STATE] = {2, "keep_state", K_BOOL, F(keep_state), 0, 0, NULL, NULL},
    [CK_RELOAD_RETIRE_MS] = {2, "retire_ms", K_UINT, F(retire_ms), 1, 3600000, NULL, "milliseconds"},
    [CK_RELOAD_KEEP_VERSIONS] = {2, "keep_versions", K_UINT, F(keep_versions), 1, 1000000, NULL, "versions"},
    [CK_RELOAD_GUARD] = {2, "guard", K_BOOL, F(guard), 0, 0, NULL, NULL},
    [CK_RELOAD_PERF_MAP] = {2, "perf_map", K_BOOL, F(perf_map), 0, 0, NULL, NULL},
    [CK_LOG_LEVEL] = {3, "level", K_CHOICE, F(log_level), 0, 0, levels, NULL},
    [CK_LOG_COLOR] = {3, "color", K_CHOICE, F(log_color), 0, 0, colors, NULL},
    [CK_LOG_FILE] = {3, "file", K_FILE, F(log_file), 0, 0, NULL, NULL},
};
#undef F

const char *config_key_section(enum config_key k) {
  return sections[keys[k].section];
}
const char *config_key_name(enum config_key k) { return keys[k].name; }

struct msg {
  int line; /* 0: about the whole file */
  size_t seq;
  char *text;
};

struct msgs {
  struct msg *v;
  size_t n;
};

struct raw {
  char *value; /* continuation lines joined with a blank */
  int line;
};

enum { SEC_NONE = -1, SEC_UNKNOWN = -2 };

/* The longest line inih is given, in bytes: a config is a few kilobytes,
 * and a line of 16 MiB is no config's. */
#define MAX_LINE (16 << 20)

struct parse {
  struct config *c;
  const char *text;
  size_t len, pos;
  int lineno;     /* of the line last handed to inih */
  bool cont;      /* that line continues the previous key's value */
  bool have_name; /* inih has a previous key a continuation would extend */
  int section;    /* index, SEC_NONE before any, SEC_UNKNOWN after a bad one */
  int last_key;   /* key a continuation extends, or -1 */
  struct raw raw[CONFIG_NKEYS];
  struct msgs errs, warns;
};


static void add(struct msgs *m, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add(struct msgs *m, int line, const char *fmt, ...) {
  struct msg *v = realloc(m->v, (m->n + 1) * sizeof *v);
  if (!v)
    return;
  m->v = v;
  char text[1400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  v[m->n].line = line;
  v[m->n].seq = m->n;
  v[m->n].text = strdup(text);
  if (v[m->n].text)
    m->n++;
}

static int cmp_msg(const void *a, const void *b) {
  const struct msg *x = a, *y = b;
  /* Messages about the whole file come after those with lines. */
  long lx = x->line ? x->line : 1L << 40, ly = y->line ? y->line : 1L << 40;
  if (lx != ly)
    return lx < ly ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void flush_msgs(struct msgs *m, const char *path, const char *tag,
                       struct buf *out) {
  if (m->n)
    qsort(m->v, m->n, sizeof *m->v, cmp_msg);
  for (size_t i = 0; i < m->n; i++) {
    if (out) {
      if (m->v[i].line)
        buf_printf(out, "%s:%d: %s%s\n", path, m->v[i].line, tag, m->v[i].text);
      else
        buf_printf(out, "%s: %s%s\n", path, tag, m->v[i].text);
    }
    free(m->v[i].text);
  }
  free(m->v);
  m->v = NULL;
  m->n = 0;
}

/* ---- Reading: lines for inih, and what each of them is ---- */

/* As inih: the first of `chars`, or an inline comment (';' after a blank). */
static const char *find_or_comment(const char *s, const char *chars) {
  bool was_space = false;
  while (*s && !(chars && strchr(chars, *s)) && !(was_space && *s == ';')) {
    was_space = isspace((unsigned char)*s);
    s++;
  }
  return s;
}

static char *trim(char *s) {
  while (isspace((unsigned char)*s))
    s++;
  char *e = s + strlen(s);
  while (e > s && isspace((unsigned char)e[-1]))
    *--e = '\0';
  return s;
}

static void list_sections(char *out, size_t len) {
  out[0] = '\0';
  for (size_t i = 0; i < NSECTIONS; i++)
    snprintf(out + strlen(out), len - strlen(out), "%s[%s]",
             i ? ", " : "", sections[i]);
}

static void see_section(struct parse *p, char *name) {
  p->have_name = false;
  p->last_key = -1;
  for (size_t i = 0; i < NSECTIONS; i++)
    if (strcmp(name, sections[i]) == 0) {
      p->section = (int)i;
      return;
    }
  p->section = SEC_UNKNOWN;
  const char *s = text_suggest(trim(name), sections, NSECTIONS);
  if (s) {
    add(&p->errs, p->lineno, "unknown section [%s]; did you mean [%s]?", name, s);
  } else {
    char all[128];
    list_sections(all, sizeof all);
    add(&p->errs, p->lineno, "unknown section [%s]; the sections are %s",
        name, all);
  }
}

/* Decide what inih will make of `line` (a copy we may cut up). */
static void classify(struct parse *p, char *line) {
  p->cont = false;
  char *start = line;
  if (p->lineno == 1 && (unsigned char)start[0] == 0xEF &&
      (unsigned char)start[1] == 0xBB && (unsigned char)start[2] == 0xBF)
    start += 3;
  char *s = trim(start);
  if (*s == ';' || *s == '#' || !*s)
    return;
  if (p->have_name && s > start) {
    p->cont = true;
    return;
  }
  if (*s == '[') {
    char *e = (char *)find_or_comment(s + 1, "]");
    if (*e != ']') {
      add(&p->errs, p->lineno, "expected ']' to close the section name");
      return;
    }
    *e = '\0';
    see_section(p, s + 1);
    return;
  }
  char *e = (char *)find_or_comment(s, "=:");
  if (*e != '=' && *e != ':') {
    add(&p->errs, p->lineno, "expected 'key = value' or '[section]'");
    return;
  }
  *e = '\0';
  if (!*trim(s)) {
    add(&p->errs, p->lineno, "expected a key name before '%c'",
        e[0] ? e[0] : '=');
    return;
  }
  p->have_name = true;
}

static char *reader(char *str, int num, void *stream) {
  struct parse *p = stream;
  if (p->pos >= p->len || num < 2)
    return NULL;
  const char *s = p->text + p->pos;
  const char *nl = memchr(s, '\n', p->len - p->pos);
  size_t n = nl ? (size_t)(nl - s) + 1 : p->len - p->pos;
  p->pos += n;
  p->lineno++;
  /* inih needs room for '\r', '\n' and NUL beyond the text. */
  if (n + 2 > (size_t)num) {
    add(&p->errs, p->lineno,
        "line is longer than %d characters; continue a long value on "
        "indented lines below its key",
        num - 3);
    p->cont = false;
    strcpy(str, "\n");
    return str;
  }
  if (memchr(s, '\0', n)) {
    add(&p->errs, p->lineno, "line contains a NUL byte");
    p->cont = false;
    strcpy(str, "\n");
    return str;
  }
  memcpy(str, s, n);
  str[n] = '\0';
  /* classify() cuts its copy up; inih must get the line intact. */
  char *copy = strdup(str);
  if (copy)
    classify(p, copy);
  free(copy);
  return str;
}

static int find_key(int section, const char *name) {
  for (int k = 0; k < CONFIG_NKEYS; k++)
    if ((int)keys[k].section == section && strcmp(keys[k].name, name) == 0)
      return k;
  return -1;
}

static void unknown_key(struct parse *p, const char *name) {
  /* A key of another section is most likely in the wrong place. */
  for (int k = 0; k < CONFIG_NKEYS; k++)
    if (strcmp(keys[k].name, name) == 0 && (int)keys[k].section != p->section) {
      if (p->section == SEC_NONE)
        add(&p->errs, p->lineno,
            "key '%s' is outside any section; put it under [%s]", name,
            sections[keys[k].section]);
      else
        add(&p->errs, p->lineno,
            "unknown key '%s' in [%s]; '%s' belongs in [%s]", name,
            sections[p->section], name, sections[keys[k].section]);
      return;
    }
  if (p->section == SEC_NONE) {
    char all[128];
    list_sections(all, sizeof all);
    add(&p->errs, p->lineno,
        "key '%s' is outside any section; the sections are %s", name, all);
    return;
  }
  const char *mine[CONFIG_NKEYS], *others[CONFIG_NKEYS];
  size_t nm = 0, no = 0;
  for (int k = 0; k < CONFIG_NKEYS; k++) {
    if ((int)keys[k].section == p->section)
      mine[nm++] = keys[k].name;
    else
      others[no++] = keys[k].name;
  }
  const char *s = text_suggest(name, mine, nm);
  if (s) {
    add(&p->errs, p->lineno, "unknown key '%s' in [%s]; did you mean '%s'?",
        name, sections[p->section], s);
    return;
  }
  s = text_suggest(name, others, no);
  if (s) {
    for (int k = 0; k < CONFIG_NKEYS; k++)
      if (strcmp(keys[k].name, s) == 0) {
        add(&p->errs, p->lineno,
            "unknown key '%s' in [%s]; did you mean '%s' in [%s]?", name,
            sections[p->section], s, sections[keys[k].section]);
        return;
      }
  }
  char all[300] = "";
  for (size_t i = 0; i < nm; i++)
    snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s",
             i ? ", " : "", mine[i]);
  add(&p->errs, p->lineno, "unknown key '%s' in [%s]; its keys are %s", name,
      sections[p->section], all);
}

static int handler(void *user, const char *section, const char *name,
                   const char *value) {
  struct parse *p = user;
  (void)section; /* the reader tracked it, with the line */
  if (p->cont) {
    if (p->last_key < 0)
      return 1;
    /* Older inih (Debian's r55) leaves inline comments on continuation
     * lines; cut them as it does on the first line. */
    char *cut = strdup(value);
    if (!cut)
      return 1;
    *(char *)find_or_comment(cut, NULL) = '\0';
    value = trim(cut);
    struct raw *r = &p->raw[p->last_key];
    size_t n = strlen(r->value) + strlen(value) + 2;
    char *v = malloc(n);
    if (v) {
      snprintf(v, n, "%s%s%s", r->value, *r->value ? " " : "", value);
      free(r->value);
      r->value = v;
    }
    free(cut);
    return 1;
  }
  p->last_key = -1;
  if (!*name || p->section == SEC_UNKNOWN)
    return 1; /* reported where the line or the section was read */
  int k = p->section >= 0 ? find_key(p->section, name) : -1;
  if (k < 0) {
    unknown_key(p, name);
    return 1;
  }
  struct raw *r = &p->raw[k];
  if (r->value) {
    add(&p->errs, p->lineno, "[%s] %s is set twice (first at line %d)",
        sections[keys[k].section], name, r->line);
    return 1;
  }
  r->value = strdup(value);
  r->line = p->lineno;
  p->last_key = k;
  return 1;
}

/* The longest line of the text, newline included. */
static size_t longest_line(const char *s, size_t len) {
  size_t most = 0;
  for (size_t i = 0; i < len;) {
    const char *nl = memchr(s + i, '\n', len - i);
    size_t n = nl ? (size_t)(nl - (s + i)) + 1 : len - i;
    if (n > most)
      most = n;
    i += n;
  }
  return most;
}

/*
 * Hand every line to inih in one piece, however long.  inih reads into a
 * buffer of a fixed size, which Debian's build (r55) lets us choose at
 * run time: on the heap (a long line on the stack could overflow a
 * thread's), exactly as large as the longest line needs.  Growing it with
 * ini_allow_realloc instead would make inih ask the reader for the rest
 * of a line in pieces, which the reader's line counting cannot follow.
 * The settings are inih's, process-wide: they are put back afterwards.
 */
static void parse_lines(struct parse *p) {
  bool stack = ini_use_stack, grow = ini_allow_realloc;
  int max = ini_max_line, initial = ini_initial_alloc;
  /* Room for '\r', '\n' and NUL; beyond the cap, the reader says the
   * line is too long rather than inih failing to allocate. */
  size_t want = longest_line(p->text, p->len) + 3;
  if (want < 200)
    want = 200;
  if (want > MAX_LINE)
    want = MAX_LINE;
  ini_use_stack = false;
  ini_allow_realloc = false;
  ini_max_line = ini_initial_alloc = (int)want;
  /* inih's own return (the first bad line) adds nothing: the reader has
   * already recorded every bad line. */
  ini_parse_stream(reader, p, handler, p);
  ini_use_stack = stack;
  ini_allow_realloc = grow;
  ini_max_line = max;
  ini_initial_alloc = initial;
}

/* ---- Checking values ---- */

#define KEYFMT "[%s] %s"
#define KEYARG(k) sections[keys[k].section], keys[k].name

static void accepted(const char *const *choices, char *out, size_t len) {
  out[0] = '\0';
  for (size_t i = 0; choices[i]; i++)
    snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? ", " : "",
             choices[i]);
}

static int parse_bool(const char *v) {
  static const char *const yes[] = {"true", "yes", "on", "1"};
  static const char *const no[] = {"false", "no", "off", "0"};
  for (size_t i = 0; i < 4; i++) {
    if (strcmp(v, yes[i]) == 0)
      return 1;
    if (strcmp(v, no[i]) == 0)
      return 0;
  }
  return -1;
}

/* `word` made absolute against the config's directory, with ~/ expanded. */
static char *resolve(struct parse *p, const char *word) {
  if (word[0] == '~' && (word[1] == '/' || !word[1])) {
    const char *home = getenv("HOME");
    if (home) {
      char *h = path_join(home, word[1] ? word + 2 : ".");
      return h;
    }
  }
  /* Leading ".." can be folded into the directory: it is a real path
   * (no symlinks), so its parent is what ".." names.  Later ".." stay. */
  char *dir = strdup(p->c->dir);
  while (dir && word[0] == '.' && word[1] == '.' &&
         (word[2] == '/' || !word[2])) {
    char *up = path_dir(dir);
    free(dir);
    dir = up;
    word += word[2] ? 3 : 2;
  }
  if (!dir)
    return NULL;
  char *out = path_join(dir, *word ? word : ".");
  free(dir);
  return out;
}

/* Expand one glob (or plain path) into `out`, reporting what is wrong. */
static void expand(struct parse *p, int k, const char *word, struct strv *out) {
  int line = p->raw[k].line;
  char *pat = resolve(p, word);
  if (!pat)
    return;
  if (!path_has_glob(word)) {
    struct stat st;
    if (stat(pat, &st) < 0)
      add(&p->errs, line, KEYFMT ": %s: %s", KEYARG(k), word, strerror(errno));
    else if (S_ISDIR(st.st_mode))
      add(&p->errs, line, KEYFMT ": %s is a directory; name the .o and .a "
          "files in it, e.g. %s/*.o", KEYARG(k), word, word);
    else if (!strv_has(out, pat))
      strv_push(out, pat);
    free(pat);
    return;
  }
  glob_t g;
  int r = glob(pat, GLOB_BRACE | GLOB_MARK, NULL, &g);
  if (r == GLOB_NOMATCH) {
    add(&p->errs, line, KEYFMT ": '%s' matches no file", KEYARG(k), word);
  } else if (r != 0) {
    add(&p->errs, line, KEYFMT ": cannot expand '%s': %s", KEYARG(k), word,
        r == GLOB_NOSPACE ? "out of memory" : "read error");
  } else {
    size_t files = 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
      const char *m = g.gl_pathv[i];
      if (m[strlen(m) - 1] == '/') /* GLOB_MARK: a directory */
        continue;
      files++;
      if (!strv_has(out, m))
        strv_push(out, m);
    }
    if (!files)
      add(&p->errs, line, KEYFMT ": '%s' matches only directories",
          KEYARG(k), word);
  }
  if (r == 0)
    globfree(&g);
  free(pat);
}

static bool is_symbol(const char *s) {
  if (!*s || isdigit((unsigned char)*s))
    return false;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' && *s != '$')
      return false;
  return true;
}

static void check_dir(struct parse *p, int k, const char *word, char *dir) {
  struct stat st;
  if (stat(dir, &st) < 0)
    add(&p->errs, p->raw[k].line, KEYFMT ": %s: %s", KEYARG(k), word,
        strerror(errno));
  else if (!S_ISDIR(st.st_mode))
    add(&p->errs, p->raw[k].line, KEYFMT ": %s is not a directory", KEYARG(k),
        word);
}

static void check_value(struct parse *p, int k) {
  const struct keydef *d = &keys[k];
  struct raw *r = &p->raw[k];
  void *field = (char *)p->c + d->off;
  const char *v = r->value;
  struct strv words = {0};
  const char *why = NULL;
  char list[200];

  switch (d->kind) {
  case K_GLOBS:
  case K_NAMES:
  case K_DIRS:
  case K_PATTERNS:
  case K_WORDS:
    if (text_split(v, d->kind != K_WORDS, &words, &why)) {
      add(&p->errs, r->line, KEYFMT ": %s", KEYARG(k), why);
      break;
    }
    for (size_t i = 0; i < words.n; i++) {
      const char *w = words.v[i];
      struct strv *out = field;
      if (d->kind == K_GLOBS) {
        expand(p, k, w, out);
      } else if (d->kind == K_NAMES) {
        if (strncmp(w, "-l", 2) == 0 && w[2])
          add(&p->errs, r->line, KEYFMT ": write '%s', not '%s'", KEYARG(k),
              w + 2, w);
        else if (strchr(w, '/'))
          add(&p->errs, r->line, KEYFMT ": '%s' is not a library name; list "
              "names as for -l NAME and put directories in library_paths",
              KEYARG(k), w);
        else
          strv_push(out, w);
      } else if (d->kind == K_DIRS) {
        char *dir = resolve(p, w);
        if (dir) {
          check_dir(p, k, w, dir);
          strv_take(out, dir);
        }
      } else if (d->kind == K_PATTERNS) {
        char *pat = resolve(p, w);
        if (!pat)
          continue;
        glob_t g;
        if (glob(pat, GLOB_BRACE, NULL, &g) != 0)
          add(&p->warns, r->line, KEYFMT ": '%s' matches no file yet",
              KEYARG(k), w);
        else
          globfree(&g);
        strv_take(out, pat);
      } else {
        strv_push(out, w);
      }
    }
    break;
  case K_SYMBOL:
    if (!is_symbol(v))
      add(&p->errs, r->line, KEYFMT " = '%s': expected a symbol name such as "
          "main", KEYARG(k), v);
    else
      *(char **)field = strdup(v);
    break;
  case K_DIR:
  case K_FILE: {
    if (!*v) {
      add(&p->errs, r->line, KEYFMT " is empty; give a path or remove the "
          "line", KEYARG(k));
      break;
    }
    char *path = resolve(p, v);
    if (!path)
      break;
    if (d->kind == K_DIR) {
      check_dir(p, k, v, path);
    } else {
      char *dir = path_dir(path);
      struct stat st;
      if (dir && stat(dir, &st) < 0)
        add(&p->errs, r->line, KEYFMT ": directory %s: %s", KEYARG(k), dir,
            strerror(errno));
      else if (dir && access(dir, W_OK) < 0)
        add(&p->errs, r->line, KEYFMT ": cannot write in %s: %s", KEYARG(k),
            dir, strerror(errno));
      free(dir);
    }
    *(char **)field = path;
    break;
  }
  case K_TEXT:
  case K_COMMAND:
    if (!*v)
      add(&p->errs, r->line, KEYFMT " is empty; give %s or remove the line",
          KEYARG(k), d->kind == K_COMMAND ? "a shell command" : "a value");
    else
      *(char **)field = strdup(v);
    break;
  case K_UINT: {
    char *end;
    errno = 0;
    unsigned long n = strtoul(v, &end, 10);
    if (!isdigit((unsigned char)*v) || *end || errno || n < d->min ||
        n > d->max)
      add(&p->errs, r->line, KEYFMT " = '%s': expected a whole number of %s "
          "from %u to %u", KEYARG(k), v, d->unit, d->min, d->max);
    else
      *(unsigned *)field = (unsigned)n;
    break;
  }
  case K_BOOL: {
    bool perf = k == CK_RELOAD_PERF_MAP;
    if (perf && strcmp(v, "keep") == 0) {
      *(bool *)field = true;
      p->c->keep_perf_map = true;
      break;
    }
    int b = parse_bool(v);
    if (b < 0) {
      const char *s = text_suggest(v, perf ? perf_maps : bools, perf ? 3 : 2);
      add(&p->errs, r->line, KEYFMT " = '%s': accepted values are true, "
          "false%s%s%s%s", KEYARG(k), v, perf ? ", keep" : "",
          s ? "; did you mean '" : "", s ? s : "", s ? "'?" : "");
    } else {
      *(bool *)field = b;
    }
    break;
  }
  case K_CHOICE: {
    size_t n = 0;
    while (d->choices[n])
      n++;
    for (size_t i = 0; i < n; i++)
      if (strcmp(v, d->choices[i]) == 0) {
        *(int *)field = (int)i;
        goto done;
      }
    accepted(d->choices, list, sizeof list);
    const char *s = text_suggest(v, d->choices, n);
    add(&p->errs, r->line, KEYFMT " = '%s': accepted values are %s%s%s%s",
        KEYARG(k), v, list, s ? "; did you mean '" : "", s ? s : "",
        s ? "'?" : "");
    break;
  }
  }
done:
  strv_free(&words);
}

/* What no single key can check: how the keys fit together. */
static void check_whole(struct parse *p) {
  struct config *c = p->c;
  if (!p->raw[CK_PROGRAM_OBJECTS].value)
    add(&p->errs, 0, "[program] objects is required: list the program's .o "
        "and .a files (globs allowed)");
  else if (!c->objects.n && !p->errs.n)
    add(&p->errs, p->raw[CK_PROGRAM_OBJECTS].line, "[program] objects is "
        "empty: list the program's .o and .a files");

  if (p->raw[CK_WATCH_OBJECTS].value) {
    /* Without a good objects list there is nothing to compare with. */
    for (size_t i = 0; c->objects.n && i < c->watch_objects.n; i++)
      if (!strv_has(&c->objects, c->watch_objects.v[i]))
        add(&p->errs, p->raw[CK_WATCH_OBJECTS].line,
            "[watch] objects: %s is not one of [program] objects; only "
            "objects the program links can be reloaded",
            path_show(c->dir, c->watch_objects.v[i]));
  } else {
    strv_copy(&c->watch_objects, &c->objects);
  }

  /* Loading an object runs it: refuse directories others can write. */
  if (!c->allow_shared_dirs) {
    struct strv seen = {0};
    for (size_t i = 0; i < c->objects.n; i++) {
      char *dir = path_dir(c->objects.v[i]);
      if (!dir || strv_has(&seen, dir)) {
        free(dir);
        continue;
      }
      char why[600];
      int r = path_check_private(dir, why, sizeof why);
      if (r)
        add(&p->errs, p->raw[CK_PROGRAM_OBJECTS].line, "[program] objects: "
            "%s%s", why, r > 0 ? "; keep objects in a private directory or "
            "set [watch] allow_shared_dirs = true" : "");
      strv_take(&seen, dir);
    }
    strv_free(&seen);
  }

  if (c->build && !c->sources.n)
    add(&p->warns, p->raw[CK_WATCH_BUILD].line, "[watch] build is set but "
        "[watch] sources is empty, so the build never runs");
  if (c->sources.n && !c->build && !p->raw[CK_WATCH_BUILD].value)
    add(&p->warns, p->raw[CK_WATCH_SOURCES].line, "[watch] sources are "
        "watched but [watch] build is not set, so changing them does "
        "nothing");
}

static void defaults(struct config *c) {
  c->build_timeout_s = 300;
  c->debounce_ms = 20;
  c->allow_shared_dirs = false;
  c->mode = RELOAD_MODE_IMMEDIATE;
  c->keep_state = true;
  c->retire_ms = 250;
  c->keep_versions = 8;
  c->guard = false;
  c->perf_map = true;
  c->log_level = RELOAD_LOG_INFO;
  c->log_color = LOG_COLOR_AUTO;
}

static int slurp(const char *path, char **out, size_t *len) {
  FILE *f = fopen(path, "re");
  if (!f)
    return -errno;
  struct buf b = {0};
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
    buf_put(&b, chunk, n);
  int e = ferror(f) ? -EIO : 0;
  fclose(f);
  if (b.oom)
    e = -ENOMEM;
  if (e) {
    buf_free(&b);
    return e;
  }
  *len = b.len;
  *out = b.p ? b.p : strdup("");
  return *out ? 0 : -ENOMEM;
}

int config_load(struct config *c, const char *path, struct buf *errs,
                struct buf *warns) {
  memset(c, 0, sizeof *c);
  defaults(c);
  c->path = strdup(path);
  char *abs = path_join(NULL, path);
  char *dir = abs ? path_dir(abs) : NULL;
  /* The directory's real path, so "../proj/app.ini" gives clean paths;
   * a symlink to the file itself still means "relative to the link". */
  c->dir = dir ? realpath(dir, NULL) : NULL;
  if (dir && !c->dir)
    c->dir = strdup(dir);
  free(dir);
  free(abs);
  if (!c->path || !c->dir) {
    buf_printf(errs, "%s: out of memory\n", path);
    return 1;
  }
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
    buf_printf(errs, "%s: is a directory; give the .ini file\n", path);
    return 1;
  }
  char *text = NULL;
  size_t len = 0;
  int r = slurp(path, &text, &len);
  if (r) {
    buf_printf(errs, "%s: cannot read: %s\n", path, strerror(-r));
    return 1;
  }
  struct parse p = {.c = c, .text = text, .len = len, .section = SEC_NONE,
                    .last_key = -1};
  parse_lines(&p);
  free(text);

  for (int k = 0; k < CONFIG_NKEYS; k++) {
    if (!p.raw[k].value)
      continue;
    c->line[k] = p.raw[k].line;
    check_value(&p, k);
  }
  if (!c->entry)
    c->entry = strdup("main");
  check_whole(&p);
  for (int k = 0; k < CONFIG_NKEYS; k++)
    free(p.raw[k].value);

  int n = (int)p.errs.n;
  flush_msgs(&p.errs, path, "", errs);
  flush_msgs(&p.warns, path, "warning: ", warns);
  return n;
}

void config_free(struct config *c) {
  if (!c)
    return;
  free(c->path);
  free(c->dir);
  strv_free(&c->objects);
  strv_free(&c->libraries);
  strv_free(&c->library_paths);
  free(c->entry);
  free(c->argv0);
  strv_free(&c->args);
  free(c->workdir);
  strv_free(&c->watch_objects);
  strv_free(&c->sources);
  free(c->build);
  free(c->log_file);
  memset(c, 0, sizeof *c);
}

static void dump_list(struct buf *out, const struct strv *l) {
  for (size_t i = 0; i < l->n; i++) {
    const char *s = l->v[i];
    if (!*s || strpbrk(s, " \t'\"\\,"))
      buf_json(out, s);
    else
      buf_puts(out, s);
    if (i + 1 < l->n)
      buf_puts(out, " ");
  }
}

void config_dump(const struct config *c, struct buf *out) {
  for (int k = 0; k < CONFIG_NKEYS; k++) {
    const struct keydef *d = &keys[k];
    const void *field = (const char *)c + d->off;
    buf_printf(out, "%s.%s = ", sections[d->section], d->name);
    switch (d->kind) {
    case K_GLOBS:
    case K_NAMES:
    case K_DIRS:
    case K_WORDS:
    case K_PATTERNS:
      dump_list(out, field);
      break;
    case K_SYMBOL:
    case K_DIR:
    case K_COMMAND:
    case K_TEXT:
    case K_FILE: {
      const char *s = *(char *const *)field;
      buf_puts(out, s ? s : "");
      break;
    }
    case K_UINT:
      buf_printf(out, "%u", *(const unsigned *)field);
      break;
    case K_BOOL:
      if (k == CK_RELOAD_PERF_MAP && c->keep_perf_map)
        buf_puts(out, "keep");
      else
        buf_puts(out, *(const bool *)field ? "true" : "false");
      break;
    case K_CHOICE:
      buf_puts(out, d->choices[*(const int *)field]);
      break;
    }
    buf_puts(out, "\n");
  }
}
