/* The command matcher: one engine for execution, "?" help, Tab completion,
 * unique-prefix abbreviation and the JUNOSe error messages.
 *
 * A mode's commands are declared as data (FRR style grammar strings) and
 * compiled once into a graph.  Grammar string elements, separated by spaces:
 *   keyword        lower-case literal ([a-z0-9-]+, may contain '-'); matched by any
 *                  prefix of it that no other candidate keyword at that position
 *                  shares; an exact match always wins.  Case-insensitive.
 *   WORD           any one word; a "double-quoted string" is one word (quotes removed,
 *                  \" and \\ escapes; other backslashes are kept).  A quoted word is
 *                  otherwise an ordinary word (it can match a keyword); a quote inside a
 *                  bare word is an ordinary character; "abc"def is invalid input.
 *   LINE           the rest of the line, one value (must be the last element): the raw
 *                  text from its first word to the end, quotes kept, trailing blanks dropped
 *   A.B.C.D        an IPv4 dotted quad (each octet 0-255, no leading '+', no empty parts;
 *                  1-3 digits, leading zeros read as decimal as IOS does: 010.1.1.1 is 10.1.1.1)
 *   (LO-HI)        an unsigned decimal integer in [LO, HI] (uint64, no sign, no leading garbage;
 *                  leading zeros allowed)
 *   HEX            one or more hex digits, no 0x
 *   ipsec:NAME     a word "ipsec:" + 1 or more characters; "ipsec:" is case-insensitive
 *   <a|b c|d>      exactly one of the alternatives; each alternative is a sequence
 *   [a b]          an optional sequence (may nest); [a|b] is an optional choice
 *   elem...        one or more repetitions of the element before "..." (a token or a <> group)
 *   elem$name      capture name for a token or group ("elem$name..." = "elem...$name")
 * Captures (cli_args_t): every matched keyword is captured under its own text
 * (value = the keyword in full); a variable under its $name (or its placeholder
 * text if unnamed); a <> group with $name captures the full keyword of the
 * chosen alternative when that alternative is a single keyword (or the value,
 * when it is a single variable).  A repeated element captures each value in
 * order.  A.B.C.D and (LO-HI) values are captured normalised (plain decimal).
 * A $name equal to a keyword of the same command is a build error (the two
 * would share a capture and a help key).
 *
 * Matching: all commands of the mode run in lock-step as NFA threads over the
 * input words.  At each word: if some thread matches it as a keyword exactly,
 * only exact keyword threads survive; else if prefix matches name more than one
 * distinct keyword the line is ambiguous; else if one keyword prefix-matches,
 * threads matching it as a keyword survive (variables at that word are
 * dropped); else every thread matching it as a variable survives.  When several
 * threads complete, the one whose words matched more specific classes wins,
 * compared word by word: keyword > A.B.C.D > (LO-HI) > HEX > ipsec:NAME > WORD >
 * LINE; then the command declared first. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

struct cli_exec; /* configd's execution context, opaque to the matcher */
typedef struct cli_args cli_args_t;
typedef int (*cli_handler_fn)(struct cli_exec *x, const cli_args_t *a);

typedef struct cli_cmd {
  const char *syntax;  /* grammar string */
  cli_handler_fn fn;   /* not called by the matcher */
  unsigned flags;      /* the caller's; the matcher ignores them */
  const char *help;    /* NULL or "key=text\nkey=text..." overriding the dictionary
                          for this command; key = keyword text or capture name */
} cli_cmd_t;

typedef struct cli_help_entry {
  const char *key;  /* keyword text or capture name */
  const char *text;
} cli_help_entry_t;

typedef struct cli_graph cli_graph_t;

/* dict: array terminated by {NULL, NULL}.  Every token must get help text
 * (command override, then dict); a missing one, or a malformed grammar string,
 * fails the build with err naming the command and the token. */
cli_graph_t *cli_graph_build(const cli_cmd_t *cmds, size_t ncmds, const cli_help_entry_t *dict, char *err,
                             size_t errlen);
void cli_graph_destroy(cli_graph_t **g_p);

typedef enum {
  CLI_MATCH_OK = 0,
  CLI_MATCH_EMPTY,      /* blank line or only a comment ('!' or '#' first) */
  CLI_MATCH_INVALID,    /* "% Invalid input detected at '^' marker." */
  CLI_MATCH_INCOMPLETE, /* "% Incomplete command." */
  CLI_MATCH_AMBIGUOUS,  /* "% Ambiguous command." */
  CLI_MATCH_TOO_LONG,   /* line over CLI_MAX_LINE bytes or over CLI_MAX_WORDS words */
} cli_match_status_t;

#define CLI_MAX_LINE 4096
#define CLI_MAX_WORDS 64

typedef struct cli_match {
  cli_match_status_t status;
  size_t err_offset;        /* INVALID/AMBIGUOUS: byte offset in the line of the offending word */
  const cli_cmd_t *cmd;     /* OK: the matched command */
  cli_args_t *args;         /* OK: captures */
  char *canonical;          /* OK: the line re-spelled: keywords in full, single spaces,
                               variables as typed (numbers and addresses normalised),
                               quoted ("...") if they contain spaces, quotes or are
                               empty; a LINE raw.  Matching it gives the same result. */
} cli_match_t;

/* Returns m->status. Always call cli_match_free afterwards. */
cli_match_status_t cli_match(const cli_graph_t *g, const char *line, cli_match_t *m);
void cli_match_free(cli_match_t *m);

/* "?" help.  If line ends in a space (or is empty) lists every possible next
 * word; otherwise lists the keywords the last partial word can complete to
 * (and variables it matches).  Output (malloc'd, caller frees) is one line per
 * candidate, sorted keywords first then variables then "<cr>" (if the words so
 * far form a complete command): "  %-*s  %s\n" with the token (variables shown
 * as WORD, A.B.C.D, <LO-HI>, HEX, LINE, ipsec:NAME) padded to the longest one;
 * the end is the bare line "  <cr>\n".  Nothing to list gives "".
 * If the words before the last one do not match, returns NULL and sets *m like
 * cli_match would (INVALID with err_offset, or AMBIGUOUS; also EMPTY for a
 * comment, TOO_LONG); otherwise m->status is OK and *m holds nothing to free. */
char *cli_help(const cli_graph_t *g, const char *line, cli_match_t *m);

/* Tab completion: the keywords the last partial word (or "" after a space)
 * can complete to, sorted, deduplicated.  *out is a malloc'd array of malloc'd
 * strings (free with cli_strv_free).  Returns the count (0 if none or if the
 * words before it do not match). */
size_t cli_complete(const cli_graph_t *g, const char *line, char ***out);
void cli_strv_free(char **v, size_t n);

/* Captures */
const char *cli_arg(const cli_args_t *a, const char *name);  /* first value or NULL */
size_t cli_argc(const cli_args_t *a, const char *name);
const char *cli_argv(const cli_args_t *a, const char *name, size_t i);
bool cli_has(const cli_args_t *a, const char *name);
