/* Corpus text rules: normalisation (whitespace, NBSP, combining accents, Latin-1, invalid
 * UTF-8) and placeholder masking (printf, positional reordering, Qt, Python, GCC quotes,
 * markup, entities, accelerators), mismatch detection, and the round trip: unmasking each
 * side with its own table gives back the normalised original byte for byte. */
#include "corpus/corpus.h"
#include "test_util.h"

typedef struct {
  const char *en, *fr;
  int rc;                /* expected s2s_corpus_mask_pair result */
  const char *men, *mfr; /* expected masked texts (NULL: not checked) */
} mask_case;

static const mask_case cases[] = {
    {"%s: cannot open %s", "%s : impossible d'ouvrir %s", S2S_MASK_OK, "⟨ph1⟩: cannot open ⟨ph2⟩",
     "⟨ph1⟩ : impossible d'ouvrir ⟨ph2⟩"},
    {"%s and %d items", "%2$d éléments et %1$s", S2S_MASK_OK, "⟨ph1⟩ and ⟨ph2⟩ items",
     "⟨ph2⟩ éléments et ⟨ph1⟩"},
    {"%-10s %5.2f %lu %zu", "%-10s %5.2f %lu %zu", S2S_MASK_OK, "⟨ph1⟩ ⟨ph2⟩ ⟨ph3⟩ ⟨ph4⟩", NULL},
    {"%d files copied", "fichiers copiés", S2S_MASK_MISMATCH, NULL, NULL},
    {"copied %s files", "copié %d fichiers", S2S_MASK_MISMATCH, NULL, NULL},
    {"%s and %s", "%s et %s et %s", S2S_MASK_MISMATCH, NULL, NULL},
    {"Progress: 50%% done", "Progression : 50 %% terminé", S2S_MASK_OK, "Progress: 50⟨ph1⟩ done",
     "Progression : 50 ⟨ph1⟩ terminé"},
    {"50% of the disk is used", "50 % du disque est utilisé", S2S_MASK_OK,
     "50% of the disk is used", "50 % du disque est utilisé"},
    {"Install a newer version of %1.", "Installez une version plus récente de « %1 ».", S2S_MASK_OK,
     "Install a newer version of ⟨ph1⟩.", NULL},
    {"Alias and target%'s comdat group", "Le groupe comdat de l%'alias et de la cible", S2S_MASK_OK,
     "Alias and target⟨ph1⟩s comdat group", NULL},
    {"Count: %'d items here", "Nombre : %'d éléments ici", S2S_MASK_OK, "Count: ⟨ph1⟩ items here",
     NULL},
    {"don%'t support %'.2f now", "ne pas supporter l%'extension %'.2f", S2S_MASK_OK,
     "don⟨ph1⟩t support ⟨ph2⟩ now", "ne pas supporter l⟨ph1⟩extension ⟨ph2⟩"},
    {"Running the %LANGUAGENAME script %SCRIPTNAME.",
     "Exécution du script %SCRIPTNAME en %LANGUAGENAME.", S2S_MASK_OK,
     "Running the ⟨ph1⟩ script ⟨ph2⟩.", "Exécution du script ⟨ph2⟩ en ⟨ph1⟩."},
    {"Delete %1 files from %2?", "Supprimer %1 fichiers de %2 ?", S2S_MASK_OK,
     "Delete ⟨ph1⟩ files from ⟨ph2⟩?", "Supprimer ⟨ph1⟩ fichiers de ⟨ph2⟩ ?"},
    {"Moved %1 to %2", "Déplacé %2 vers %1", S2S_MASK_OK, NULL, "Déplacé ⟨ph2⟩ vers ⟨ph1⟩"},
    {"%L1 items found", "%L1 éléments trouvés", S2S_MASK_OK, "⟨ph1⟩ items found", NULL},
    {"{0} of {1} done", "{1} sur {0} fait", S2S_MASK_OK, "⟨ph1⟩ of ⟨ph2⟩ done",
     "⟨ph2⟩ sur ⟨ph1⟩ fait"},
    {"%(count)d files in {name}", "%(count)d fichiers dans {name}", S2S_MASK_OK,
     "⟨ph1⟩ files in ⟨ph2⟩", NULL},
    {"Value {0:.2f} and ${HOME} and {}", "Valeur {0:.2f} et ${HOME} et {}", S2S_MASK_OK,
     "Value ⟨ph1⟩ and ⟨ph2⟩ and ⟨ph3⟩", NULL},
    {"use {{braces}} literally here", "utiliser {{braces}} tel quel", S2S_MASK_OK,
     "use {{braces}} literally here", NULL},
    {"%qs is not a valid option", "%qs n'est pas une option valide", S2S_MASK_OK,
     "⟨ph1⟩ is not a valid option", NULL},
    {"%<-fPIC%> is ignored for %qD", "%<-fPIC%> est ignoré pour %qD", S2S_MASK_OK,
     "⟨ph1⟩-fPIC⟨ph2⟩ is ignored for ⟨ph3⟩", NULL},
    {"cannot read: %m and %s", "lecture impossible : %m et %s", S2S_MASK_OK, NULL, NULL},
    {"_Open File", "_Ouvrir le fichier", S2S_MASK_OK, "Open File", "Ouvrir le fichier"},
    {"&Save as", "Enregistrer &sous", S2S_MASK_OK, "Save as", "Enregistrer sous"},
    {"Tom && Jerry are here", "Tom && Jerry sont ici", S2S_MASK_OK, "Tom && Jerry are here",
     "Tom && Jerry sont ici"},
    {"_NET_WM_NAME is missing", "_NET_WM_NAME est absent", S2S_MASK_OK, "_NET_WM_NAME is missing",
     NULL},
    {"set file_name here", "définir file_name ici", S2S_MASK_OK, "set file_name here", NULL},
    {"_A or _B now", "_A ou _B maintenant", S2S_MASK_OK, "_A or _B now", NULL},
    {"Rep_lace all of them", "Rempla_cer tous", S2S_MASK_OK, "Replace all of them",
     "Remplacer tous"},
    {"set open_sync now", "définir open_sync maintenant", S2S_MASK_OK, "set open_sync now",
     "définir open_sync maintenant"},
    {"relocation when _gp is not defined", "réadressage sans que _gp soit défini", S2S_MASK_OK,
     "relocation when _gp is not defined", NULL},
    {"has a R_TLSMLrelocation here", "a un réadressage R_TLSML ici", S2S_MASK_OK,
     "has a R_TLSMLrelocation here", NULL},
    {"_Open &Recent", "Ouvrir &récent", S2S_MASK_OK, "_Open &Recent", "Ouvrir récent"},
    {"open a=1&b=2 now", "ouvrir a=1&b=2 maintenant", S2S_MASK_OK, "open a=1&b=2 now", NULL},
    {"<b>Warning:</b> disk full", "<b>Attention :</b> disque plein", S2S_MASK_OK,
     "⟨ph1⟩Warning:⟨ph2⟩ disk full", "⟨ph1⟩Attention :⟨ph2⟩ disque plein"},
    {"See <a href=\"http://x.org/\">the site</a>.", "Voir <a href=\"http://x.org/\">le site</a>.",
     S2S_MASK_OK, "See ⟨ph1⟩the site⟨ph2⟩.", NULL},
    {"Line one<br/>line two", "Ligne un<br/>ligne deux", S2S_MASK_OK, "Line one⟨ph1⟩line two",
     NULL},
    {"<a href=\"http://x.org/en\">site</a>", "<a href=\"http://x.org/fr\">site</a>",
     S2S_MASK_MISMATCH, NULL, NULL},
    {"Usage: frob <file>", "Utilisation : frob <fichier>", S2S_MASK_OK, "Usage: frob <file>", NULL},
    {"Copy &amp; paste &#160;here", "Copier &amp; coller &#160;ici", S2S_MASK_OK,
     "Copy ⟨ph1⟩ paste ⟨ph2⟩here", NULL},
    {"open <tt>C:\\dir\\%s</tt> now", "ouvrir <tt>C:\\dir\\%s</tt> maintenant", S2S_MASK_OK,
     "open ⟨ph1⟩C:\\dir\\⟨ph2⟩⟨ph3⟩ now", NULL},
    {"a ⟨b⟩ c", "a ⟨b⟩ c", S2S_MASK_RESERVED, NULL, NULL},
};

static void check_norm(const char *in, int latin1, int want_rc, const char *want) {
  char out[256];
  int rc = s2s_corpus_normalize(in, strlen(in), latin1, out, sizeof out);
  T_CHECK(rc == want_rc, "normalize '%s': rc %d want %d", in, rc, want_rc);
  if (rc == 0 && want)
    T_CHECK(strcmp(out, want) == 0, "normalize '%s' -> '%s' want '%s'", in, out, want);
}

int main(void) {
  /* normalisation */
  check_norm("  a\xc2\xa0:\tb\n\nc  ", 0, 0, "a : b c");
  check_norm("Fichier\xe2\x80\xaf:\r\nnom", 0, 0, "Fichier : nom"); /* U+202F, CRLF */
  check_norm("e\xcc\x81te\xcc\x81 c\xcc\xa7"
             "a",
             0, 0,
             "\xc3\xa9t\xc3\xa9 \xc3\xa7"
             "a");
  check_norm("\xe9t\xe9", S2S_ISO_8859_1, 0, "\xc3\xa9t\xc3\xa9");
  check_norm("\xa4 \xbd\xe9", S2S_ISO_8859_1, 0, "\xc2\xa4 \xc2\xbd\xc3\xa9");
  check_norm("\xa4 \xbd\xe9", S2S_ISO_8859_15, 0, "\xe2\x82\xac \xc5\x93\xc3\xa9"); /* € œé */
  check_norm("zero\xe2\x80\x8bwidth soft\xc2\xadhyphen", 0, 0, "zerowidth softhyphen");
  check_norm("bad \xff byte", 0, S2S_NORM_BAD_UTF8, NULL);
  check_norm("overlong \xc0\xaf", 0, S2S_NORM_BAD_UTF8, NULL);
  check_norm("ctrl\x01"
             "char",
             0, 0, "ctrl char");
  check_norm("l&rsquo;image&nbsp;: &#8217;&#x2019; &amp; &lt;b&gt; &#38; &bogus; &#0; &#xD800;", 0,
             0,
             "l\xe2\x80\x99image : \xe2\x80\x99\xe2\x80\x99 &amp; &lt;b&gt; &#38; &bogus; "
             "&#0; &#xD800;");
  char tiny[4];
  T_CHECK(s2s_corpus_normalize("abcdef", 6, 0, tiny, sizeof tiny) == S2S_NORM_TOO_LONG, "cap");
  T_CHECK(s2s_corpus_words("one two  three") == 3 && s2s_corpus_words("") == 0, "words");

  /* masking: expected texts, and the round trip of every accepted pair */
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    const mask_case *c = &cases[i];
    s2s_masked_pair m;
    int rc = s2s_corpus_mask_pair(c->en, c->fr, &m);
    T_CHECK(rc == c->rc, "case %zu '%s' / '%s': rc %d want %d", i, c->en, c->fr, rc, c->rc);
    if (rc != S2S_MASK_OK) continue;
    if (c->men)
      T_CHECK(strcmp(m.src, c->men) == 0, "case %zu: src '%s' want '%s'", i, m.src, c->men);
    if (c->mfr)
      T_CHECK(strcmp(m.tgt, c->mfr) == 0, "case %zu: tgt '%s' want '%s'", i, m.tgt, c->mfr);
    char back[512];
    int d = s2s_corpus_unmask(m.src, m.src_table, back, sizeof back);
    T_CHECK(d == 0 && strcmp(back, c->en) == 0, "case %zu: en round trip '%s' (dropped %d)", i,
            back, d);
    d = s2s_corpus_unmask(m.tgt, m.tgt_table, back, sizeof back);
    T_CHECK(d == 0 && strcmp(back, c->fr) == 0, "case %zu: fr round trip '%s' (dropped %d)", i,
            back, d);
    s2s_masked_pair_free(&m);
  }

  /* tables: one record per placeholder, originals escaped */
  s2s_masked_pair m;
  T_CHECK(s2s_corpus_mask_pair("_Open %s now", "_Ouvrir %s maintenant", &m) == S2S_MASK_OK, "acc");
  T_CHECK(strcmp(m.src_table, "acc@0\t_\n⟨ph1⟩\t%s\n") == 0, "src table '%s'", m.src_table);
  T_CHECK(m.placeholders == 1 && m.accelerators == 2, "counts %d %d", m.placeholders,
          m.accelerators);
  s2s_masked_pair_free(&m);
  T_CHECK(s2s_corpus_mask_pair("see <a href=\"C:\\x\">here</a> ok",
                               "voir <a href=\"C:\\x\">ici</a> ok", &m) == 0,
          "esc");
  T_CHECK(strstr(m.src_table, "⟨ph1⟩\t<a href=\"C:\\\\x\">\n") != NULL, "escaped: '%s'",
          m.src_table);
  s2s_masked_pair_free(&m);
  T_CHECK(s2s_corpus_mask_pair("x\\%s y z", "x\\%s y z w", &m) == 0, "backslash");
  T_CHECK(strstr(m.src_table, "⟨ph1⟩\t%s") != NULL, "table '%s'", m.src_table);
  s2s_masked_pair_free(&m);

  /* unmasking decoder output: different positions, invented tokens, small buffers */
  char out[128];
  int d = s2s_corpus_unmask("Fichier ⟨ph1⟩ ouvert", "⟨ph1⟩\t%s\n", out, sizeof out);
  T_CHECK(d == 0 && !strcmp(out, "Fichier %s ouvert"), "'%s'", out);
  d = s2s_corpus_unmask("⟨ph1⟩ fichier ⟨ph7⟩", "acc@40\t&\n⟨ph1⟩\t%s\n", out, sizeof out);
  T_CHECK(d == 1 && !strcmp(out, "%s &fichier "), "invented token dropped, acc moved: '%s' %d", out,
          d);
  d = s2s_corpus_unmask("a b", "⟨ph1⟩\ttab\\there\n", out, sizeof out);
  T_CHECK(d == 0 && !strcmp(out, "a b"), "unused record: '%s'", out);
  d = s2s_corpus_unmask("x ⟨ph1⟩", "⟨ph1⟩\ttab\\there\n", out, sizeof out);
  T_CHECK(d == 0 && !strcmp(out, "x tab\there"), "escape: '%s'", out);
  T_CHECK(s2s_corpus_unmask("a long sentence", "", out, 5) == -1, "overflow must fail");
  T_CHECK(s2s_corpus_unmask("⟨ph1", "", out, sizeof out) == 0 && !strcmp(out, "⟨ph1"),
          "unterminated token is text: '%s'", out);
  return s2s_test_finish("test_corpus_mask");
}
