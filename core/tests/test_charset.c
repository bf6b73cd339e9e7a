/* The character set decoder (charset.c) on values whose UTF-8 is known: the PS3.5 Annex H/I/J
 * examples of Japanese, Korean and Chinese names, the single-byte sets, and bytes a set does not
 * allow. pydicom's own files are compared in spec/03-files_spec.lua. */
#include "check.h"
#include "charset.h"

#include <stdlib.h>

static int decodes(const char *scs, const char *vr, const char *in, const char *want, size_t want_bad)
{
    char *out = NULL;
    size_t len = 0, bad = 0;
    dk_error err;
    int rc = dk_charset_to_utf8(scs, strlen(scs), vr, in, strlen(in), &out, &len, &bad, &err);
    int ok = rc == DK_OK && len == strlen(want) && memcmp(out, want, len) == 0 && bad == want_bad;
    if (!ok)
        fprintf(stderr, "    %s under '%s': got '%s' (%zu replaced), want '%s'\n", in, scs,
                out ? out : "(none)", bad, want);
    free(out);
    return ok;
}

int main(void)
{
    /* PS3.5 H.3.1: ISO 2022 IR 87 (JIS X 0208) in the ideographic and phonetic groups */
    CHECK(decodes("\\ISO 2022 IR 87", "PN",
                  "Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B=\x1b$B$d$^$@\x1b(B^\x1b$B$?$m$&\x1b(B",
                  "Yamada^Tarou=山田^太郎=やまだ^たろう", 0));
    /* PS3.5 H.3.2: ISO 2022 IR 13 katakana in G1, then IR 87 */
    CHECK(decodes("ISO 2022 IR 13\\ISO 2022 IR 87", "PN",
                  "\xd4\xcf\xc0\xde^\xc0\xdb\xb3=\x1b$B;3ED\x1b(J^\x1b$BB@O:\x1b(J=\x1b$B$d$^$@\x1b(J^\x1b$B$?$m$&\x1b(J",
                  "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう", 0));
    /* PS3.5 I.2: Korean, ISO 2022 IR 149 in G1 */
    CHECK(decodes("\\ISO 2022 IR 149", "PN",
                  "Hong^Gildong=\x1b$)C\xfb\xf3^\x1b$)C\xd1\xce\xd4\xd7=\x1b$)C\xc8\xab^\x1b$)C\xb1\xe6\xb5\xbf",
                  "Hong^Gildong=洪^吉洞=홍^길동", 0));
    /* single-byte sets without extensions */
    CHECK(decodes("ISO_IR 100", "PN", "Buc^J\xe9r\xf4me", "Buc^Jérôme", 0));
    CHECK(decodes("ISO_IR 144", "PN", "\xbb\xee\xda\xe1\xd5\xdc\xd1\xe3\xe0\xd3", "Люксембург", 0));
    CHECK(decodes("ISO_IR 192", "LO", "Wang^XiaoDong=王^小東", "Wang^XiaoDong=王^小東", 0));
    /* no character set: ASCII, and Latin-1 for what is above 0x7F */
    CHECK(decodes("", "LO", "M\xfcller", "Müller", 0));
    /* UTF-8 declared but not valid: replaced, counted */
    CHECK(decodes("ISO_IR 192", "LO", "a\xff" "b", "a\xef\xbf\xbd" "b", 1));
    /* an escape sequence the declared sets do not have */
    CHECK(decodes("\\ISO 2022 IR 87", "LO", "a\x1b$)Cb", "a\xef\xbf\xbd$)Cb", 1));
    /* unknown terms are refused */
    dk_error err;
    CHECK(dk_charset_known("ISO_IR 999", 10, &err) == DK_EINVAL);
    CHECK_MESSAGE(err, "unknown term 'ISO_IR 999'");
    CHECK(dk_charset_known("ISO 2022 IR 6\\ISO 2022 IR 87", 28, &err) == DK_OK);
    return finish();
}
