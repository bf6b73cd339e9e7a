/* The dataset core: every VR through set -> save -> read -> get, sequences and stale items,
 * the value rules at set time, atomic writes and read errors. */
#include "check.h"
#include "dicomkit/dataset.h"
#include "dicomkit/uid.h"

#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[512];

static const char *tmp_path(const char *name)
{
    static char buf[1024];
    snprintf(buf, sizeof buf, "%s/%s", tmpdir, name);
    return buf;
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static size_t count_files(const char *dir)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", dir);
    FILE *p = popen(cmd, "r");
    size_t n = 0;
    if (p) {
        if (fscanf(p, "%zu", &n) != 1)
            n = 0;
        pclose(p);
    }
    return n;
}

static int string_is(dk_dataset *ds, uint32_t tag, const char *expected)
{
    const char *v = NULL;
    size_t len = 0;
    if (dk_dataset_get_string(ds, tag, &v, &len, NULL) != DK_OK)
        return 0;
    return len == strlen(expected) && memcmp(v, expected, len) == 0;
}

static dk_dataset *minimal(void)
{
    dk_error err;
    dk_dataset *ds = dk_dataset_new(&err);
    char uid[DK_UID_MAX + 1];
    dk_uid_generate(uid, NULL, NULL, 0, &err);
    dk_dataset_set_string(ds, 0x00080016, NULL, "1.2.840.10008.5.1.4.1.1.7", (size_t)-1, &err);
    dk_dataset_set_string(ds, 0x00080018, NULL, uid, (size_t)-1, &err);
    return ds;
}

static void test_every_vr_round_trip(const char *ts)
{
    dk_error err;
    dk_dataset *ds = minimal();
    /* one element per VR, private ones with explicit VRs under a private creator */
    CHECK(dk_dataset_set_string(ds, 0x00090010, "LO", "DICOMKIT TEST", (size_t)-1, &err) == DK_OK);
    /* Use private tags for VRs whose standard attributes are awkward, known ones elsewhere. */
    CHECK(dk_dataset_set_string(ds, 0x00400241, NULL, "STATION_1", (size_t)-1, &err) == DK_OK);
    CHECK(dk_dataset_set_string(ds, 0x00101010, NULL, "042Y", (size_t)-1, &err) == DK_OK);
    CHECK(dk_dataset_set_string(ds, 0x00080060, NULL, "OT", (size_t)-1, &err) == DK_OK);
    CHECK(dk_dataset_set_string(ds, 0x00100030, NULL, "19800102", (size_t)-1, &err) == DK_OK);
    CHECK(dk_dataset_set_string(ds, 0x00101020, NULL, "1.75", (size_t)-1, &err) == DK_OK);
    CHECK(dk_dataset_set_string(ds, 0x0008002A, NULL, "20240131235959.123456+0100", (size_t)-1, &err) == DK_OK);
    CHECK(dk_dataset_set_string(ds, 0x00200013, NULL, "7", (size_t)-1, &err) == DK_OK);
    CHECK(dk_dataset_set_string(ds, 0x00100020, NULL, "ID-42", (size_t)-1, &err) == DK_OK);
    CHECK(dk_dataset_set_string(ds, 0x00104000, NULL, "line one\r\nline two\\x", (size_t)-1, &err) == DK_OK);
    CHECK(dk_dataset_set_string(ds, 0x00100010, NULL, "Doe^John^^Dr", (size_t)-1, &err) == DK_OK);
    CHECK(dk_dataset_set_string(ds, 0x00080050, NULL, "ACC1", (size_t)-1, &err) == DK_OK);
    CHECK(dk_dataset_set_string(ds, 0x00080081, NULL, "1 Main St", (size_t)-1, &err) == DK_OK);
    CHECK(dk_dataset_set_string(ds, 0x00080030, NULL, "235959.5", (size_t)-1, &err) == DK_OK);
    CHECK(dk_dataset_set_string(ds, 0x00091011, "UR", "http://example.invalid/x", (size_t)-1, &err) == DK_OK);
    CHECK(dk_dataset_set_string(ds, 0x00091012, "UC", "UNLIMITED", (size_t)-1, &err) == DK_OK);
    CHECK(dk_dataset_set_string(ds, 0x00091013, "UT", "unlimited text", (size_t)-1, &err) == DK_OK);
    CHECK(dk_dataset_set_string(ds, 0x00080008, NULL, "ORIGINAL\\PRIMARY", (size_t)-1, &err) == DK_OK);

    long long us[] = {0, 65535}, ss = -32768, ul = 4294967295LL, sl = -2147483647LL - 1;
    long long at[] = {0x00100010, 0x7FE00010};
    CHECK(dk_dataset_set_integers(ds, 0x00091020, "US", us, 2, &err) == DK_OK);
    CHECK(dk_dataset_set_integers(ds, 0x00091021, "SS", &ss, 1, &err) == DK_OK);
    CHECK(dk_dataset_set_integers(ds, 0x00091022, "UL", &ul, 1, &err) == DK_OK);
    CHECK(dk_dataset_set_integers(ds, 0x00091023, "SL", &sl, 1, &err) == DK_OK);
    CHECK(dk_dataset_set_integers(ds, 0x00091024, "AT", at, 2, &err) == DK_OK);
    long long sv = -5000000000LL, uv = 5000000000LL;
    CHECK(dk_dataset_set_integers(ds, 0x00091025, "SV", &sv, 1, &err) == DK_OK);
    CHECK(dk_dataset_set_integers(ds, 0x00091026, "UV", &uv, 1, &err) == DK_OK);
    double fl = 1.5, fd[] = {3.141592653589793, -2e-300};
    CHECK(dk_dataset_set_floats(ds, 0x00091027, "FL", &fl, 1, &err) == DK_OK);
    CHECK(dk_dataset_set_floats(ds, 0x00091028, "FD", fd, 2, &err) == DK_OK);

    unsigned char bytes[16];
    for (int i = 0; i < 16; i++)
        bytes[i] = (unsigned char)(i * 17);
    const char *byte_vrs[] = {"OB", "OW", "OF", "OD", "OL", "OV", "UN"};
    for (int i = 0; i < 7; i++)
        CHECK(dk_dataset_set_bytes(ds, 0x00091030 + (uint32_t)i, byte_vrs[i], bytes, 16, &err) == DK_OK);

    dk_dataset *item = NULL;
    CHECK(dk_dataset_add_item(ds, 0x00081140, &item, &err) == DK_OK);
    CHECK(dk_dataset_set_string(item, 0x00081150, NULL, "1.2.3", (size_t)-1, &err) == DK_OK);
    dk_dataset *nested = NULL;
    CHECK(dk_dataset_add_item(item, 0x00089215, &nested, &err) == DK_OK);
    CHECK(dk_dataset_set_string(nested, 0x00080100, NULL, "121322", (size_t)-1, &err) == DK_OK);

    const char *path = tmp_path("every-vr.dcm");
    CHECK(dk_dataset_save(ds, path, ts, &err) == DK_OK);
    dk_dataset *back = dk_dataset_read(path, &err);
    CHECK(back != NULL);
    if (back == NULL) {
        fprintf(stderr, "read failed: %s\n", err.message);
        dk_dataset_free(ds);
        return;
    }
    CHECK(strcmp(dk_dataset_transfer_syntax(back), ts ? ts : DK_TS_EXPLICIT_LE) == 0);
    CHECK(string_is(back, 0x00400241, "STATION_1"));
    CHECK(string_is(back, 0x00101010, "042Y"));
    CHECK(string_is(back, 0x00100030, "19800102"));
    CHECK(string_is(back, 0x0008002A, "20240131235959.123456+0100"));
    CHECK(string_is(back, 0x00104000, "line one\r\nline two\\x"));
    CHECK(string_is(back, 0x00100010, "Doe^John^^Dr"));
    CHECK(string_is(back, 0x00080030, "235959.5"));
    CHECK(string_is(back, 0x00080008, "ORIGINAL\\PRIMARY"));
    double d = 0;
    CHECK(dk_dataset_get_float(back, 0x00101020, 0, &d, &err) == DK_OK && d == 1.75);
    long long v = 0;
    CHECK(dk_dataset_get_integer(back, 0x00200013, 0, &v, &err) == DK_OK && v == 7);
    if (ts == NULL) { /* private VRs survive only where the file records them */
        CHECK(string_is(back, 0x00091011, "http://example.invalid/x"));
        CHECK(string_is(back, 0x00091013, "unlimited text"));
        CHECK(dk_dataset_get_integer(back, 0x00091020, 1, &v, &err) == DK_OK && v == 65535);
        CHECK(dk_dataset_get_integer(back, 0x00091021, 0, &v, &err) == DK_OK && v == -32768);
        CHECK(dk_dataset_get_integer(back, 0x00091022, 0, &v, &err) == DK_OK && v == 4294967295LL);
        CHECK(dk_dataset_get_integer(back, 0x00091023, 0, &v, &err) == DK_OK && v == sl);
        CHECK(dk_dataset_get_integer(back, 0x00091024, 1, &v, &err) == DK_OK && v == 0x7FE00010);
        CHECK(dk_dataset_get_integer(back, 0x00091025, 0, &v, &err) == DK_OK && v == sv);
        CHECK(dk_dataset_get_integer(back, 0x00091026, 0, &v, &err) == DK_OK && v == uv);
        CHECK(dk_dataset_get_float(back, 0x00091027, 0, &d, &err) == DK_OK && d == 1.5);
        CHECK(dk_dataset_get_float(back, 0x00091028, 1, &d, &err) == DK_OK && d == -2e-300);
        for (int i = 0; i < 7; i++) {
            const void *data = NULL;
            size_t len = 0;
            CHECK(dk_dataset_get_bytes(back, 0x00091030 + (uint32_t)i, &data, &len, &err) == DK_OK);
            CHECK(len == 16 && data && memcmp(data, bytes, 16) == 0);
        }
    }
    dk_dataset *bitem = NULL, *bnested = NULL;
    CHECK(dk_dataset_get_item(back, 0x00081140, 0, &bitem, &err) == DK_OK);
    CHECK(bitem && string_is(bitem, 0x00081150, "1.2.3"));
    CHECK(bitem && dk_dataset_get_item(bitem, 0x00089215, 0, &bnested, &err) == DK_OK);
    CHECK(bnested && string_is(bnested, 0x00080100, "121322"));

    char *dump = dk_dataset_dump(back, &err);
    CHECK(dump != NULL && strstr(dump, "(0010,0010) PN PatientName") != NULL);
    CHECK(dump != NULL && strstr(dump, "Doe^John^^Dr") != NULL);
    CHECK(dump != NULL && strstr(dump, "    (0008,0100) SH CodeValue") != NULL);
    dk_free(dump);
    dk_dataset_free(back);
    dk_dataset_free(ds);
}

static void test_rules_at_set_time(void)
{
    dk_error err;
    dk_dataset *ds = dk_dataset_new(&err);
    CHECK(dk_dataset_set_string(ds, 0x00100030, NULL, "2024-01-01", (size_t)-1, &err) == DK_EINVAL);
    CHECK_MESSAGE(err, "PatientBirthDate (0010,0030)");
    dk_element_info info;
    CHECK(dk_dataset_info(ds, 0x00100030, &info, NULL) == DK_ENOENT); /* nothing half-set */

    /* VM against the dictionary: PatientName is VM 1 */
    CHECK(dk_dataset_set_string(ds, 0x00100010, NULL, "A^B\\C^D", (size_t)-1, &err) == DK_EINVAL);
    CHECK_MESSAGE(err, "PatientName (0010,0010)");
    /* ranges */
    long long big = 70000;
    CHECK(dk_dataset_set_integers(ds, 0x00280010, NULL, &big, 1, &err) == DK_EINVAL);
    CHECK_MESSAGE(err, "Rows (0028,0010)");
    /* wrong explicit VR for a dictionary tag */
    CHECK(dk_dataset_set_string(ds, 0x00100010, "LO", "x", (size_t)-1, &err) == DK_EINVAL);
    CHECK_MESSAGE(err, "has VR PN in the data dictionary, not LO");
    /* an unknown tag needs a VR */
    CHECK(dk_dataset_set_string(ds, 0x00091010, NULL, "x", (size_t)-1, &err) == DK_EKEYWORD);
    CHECK_MESSAGE(err, "give its VR");
    /* group 0002 is not dataset content */
    CHECK(dk_dataset_set_string(ds, 0x00020010, NULL, "1.2", (size_t)-1, &err) == DK_EINVAL);
    CHECK_MESSAGE(err, "file meta information");
    /* text into a number VR */
    CHECK(dk_dataset_set_string(ds, 0x00280010, NULL, "12", (size_t)-1, &err) == DK_EINVAL);
    CHECK_MESSAGE(err, "Rows (0028,0010)");
    /* fractional value into an integer VR */
    double frac = 1.5;
    CHECK(dk_dataset_set_floats(ds, 0x00280010, NULL, &frac, 1, &err) == DK_EINVAL);
    CHECK_MESSAGE(err, "not an integer");
    /* DS formatted to 16 characters */
    double third = 1.0 / 3.0;
    CHECK(dk_dataset_set_floats(ds, 0x00101020, NULL, &third, 1, &err) == DK_OK);
    const char *v;
    size_t len;
    CHECK(dk_dataset_get_string(ds, 0x00101020, &v, &len, &err) == DK_OK && len <= 16);
    /* OW of an odd length */
    CHECK(dk_dataset_set_bytes(ds, 0x00091030, "OW", "abc", 3, &err) == DK_EINVAL);
    CHECK_MESSAGE(err, "whole number");
    dk_dataset_free(ds);
}

static void test_charset(void)
{
    dk_error err;
    dk_dataset *ds = minimal();
    CHECK(dk_dataset_set_string(ds, 0x00100010, NULL, "Müller^Jürgen", (size_t)-1, &err) == DK_OK);
    CHECK(string_is(ds, 0x00080005, "ISO_IR 192"));
    CHECK(dk_dataset_set_string(ds, 0x00100020, NULL, "\xC3\x28", 2, &err) == DK_EINVAL);
    CHECK_MESSAGE(err, "PatientID (0010,0020)");
    CHECK(dk_dataset_set_string(ds, 0x00080060, NULL, "\xC3\xA9", 2, &err) == DK_EINVAL);
    /* an item with UTF-8 text marks the root */
    dk_dataset *plain = minimal(), *item;
    CHECK(dk_dataset_add_item(plain, 0x00081140, &item, &err) == DK_OK);
    CHECK(dk_dataset_set_string(item, 0x00081150 + 0, NULL, "1.2.3", (size_t)-1, &err) == DK_OK);
    CHECK(dk_dataset_set_string(item, 0x00104000, NULL, "Grüße", (size_t)-1, &err) == DK_OK);
    CHECK(string_is(plain, 0x00080005, "ISO_IR 192"));
    /* another declared character set: text it can hold is kept (and written in it), text it
     * cannot hold is refused where it is set, whichever of the two comes first */
    dk_dataset *latin = minimal();
    CHECK(dk_dataset_set_string(latin, 0x00080005, NULL, "ISO_IR 100", (size_t)-1, &err) == DK_OK);
    CHECK(dk_dataset_set_string(latin, 0x00100010, NULL, "Müller", (size_t)-1, &err) == DK_OK);
    CHECK(dk_dataset_set_string(latin, 0x00101000, NULL, "Жуков", (size_t)-1, &err) == DK_EINVAL);
    CHECK_MESSAGE(err, "characters that SpecificCharacterSet 'ISO_IR 100' cannot hold");
    dk_dataset *cyrillic = minimal();
    CHECK(dk_dataset_set_string(cyrillic, 0x00100010, NULL, "Жуков", (size_t)-1, &err) == DK_OK);
    CHECK(dk_dataset_set_string(cyrillic, 0x00080005, NULL, "ISO_IR 100", (size_t)-1, &err) == DK_EINVAL);
    CHECK_MESSAGE(err, "PatientName (0010,0010)");
    CHECK(dk_dataset_set_string(cyrillic, 0x00080005, NULL, "ISO 2022 IR 6\\ISO 2022 IR 87",
                                (size_t)-1, &err) == DK_EINVAL);
    CHECK_MESSAGE(err, "code extensions");
    dk_dataset_free(cyrillic);
    dk_dataset_free(latin);
    dk_dataset_free(plain);
    dk_dataset_free(ds);
}

static void test_stale_items(void)
{
    dk_error err;
    dk_dataset *ds = dk_dataset_new(&err), *item = NULL, *again = NULL;
    CHECK(dk_dataset_set_sequence(ds, 0x00081140, 2, &err) == DK_OK);
    CHECK(dk_dataset_get_item(ds, 0x00081140, 1, &item, &err) == DK_OK);
    CHECK(dk_dataset_get_item(ds, 0x00081140, 1, &again, &err) == DK_OK);
    CHECK(item == again); /* one handle per item */
    CHECK(dk_dataset_set_string(item, 0x00081150, NULL, "1.2", (size_t)-1, &err) == DK_OK);
    /* copy an item of the sequence into its own replacement */
    dk_dataset *sources[2] = {item, NULL};
    CHECK(dk_dataset_set_sequence_items(ds, 0x00081140, sources, 2, &err) == DK_OK);
    CHECK(dk_dataset_check(item, &err) == DK_ESTALE);
    CHECK(dk_dataset_set_string(item, 0x00081150, NULL, "1.3", (size_t)-1, &err) == DK_ESTALE);
    CHECK_MESSAGE(err, "removed");
    dk_dataset *fresh = NULL;
    CHECK(dk_dataset_get_item(ds, 0x00081140, 0, &fresh, &err) == DK_OK);
    CHECK(string_is(fresh, 0x00081150, "1.2"));
    CHECK(dk_dataset_remove(ds, 0x00081140, &err) == DK_OK);
    CHECK(dk_dataset_check(fresh, &err) == DK_ESTALE);
    CHECK(dk_dataset_count(fresh) == 0);
    dk_dataset_free(ds);
}

static void test_atomic_save(void)
{
    dk_error err;
    dk_dataset *ds = dk_dataset_new(&err);
    size_t before = count_files(tmpdir);
    CHECK(dk_dataset_save(ds, tmp_path("no-sop.dcm"), NULL, &err) == DK_EINVAL);
    CHECK_MESSAGE(err, "SOPClassUID (0008,0016)");
    CHECK(!file_exists(tmp_path("no-sop.dcm")));
    dk_dataset_free(ds);

    ds = minimal();
    CHECK(dk_dataset_save(ds, tmp_path("missing-dir/x.dcm"), NULL, &err) == DK_ENOENT);
    CHECK_MESSAGE(err, "missing-dir/x.dcm");
    CHECK(dk_dataset_save(ds, tmp_path("x.dcm"), "1.2.3.4.5", &err) == DK_EINVAL);
    CHECK_MESSAGE(err, "unknown transfer syntax");
    CHECK(count_files(tmpdir) == before); /* no temporary file left behind */
    dk_dataset_free(ds);
}

static void test_read_errors(void)
{
    dk_error err;
    CHECK(dk_dataset_read(tmp_path("does-not-exist.dcm"), &err) == NULL);
    CHECK(err.code == DK_ENOENT);
    CHECK_MESSAGE(err, "does-not-exist.dcm");
    FILE *f = fopen(tmp_path("empty.dcm"), "w");
    fclose(f);
    CHECK(dk_dataset_read(tmp_path("empty.dcm"), &err) == NULL);
    CHECK(err.code == DK_EFORMAT);
    f = fopen(tmp_path("text.dcm"), "w");
    fputs("this is not a DICOM file, just some text that goes on for a while\n", f);
    fclose(f);
    dk_dataset *ds = dk_dataset_read(tmp_path("text.dcm"), &err);
    CHECK(ds == NULL);
    CHECK(ds == NULL && err.code == DK_EFORMAT);
    dk_dataset_free(ds);
    unlink(tmp_path("empty.dcm"));
    unlink(tmp_path("text.dcm"));
}

int main(int argc, char **argv)
{
    snprintf(tmpdir, sizeof tmpdir, "%s/dataset-XXXXXX", argc > 1 ? argv[1] : "/tmp");
    if (argc > 1)
        mkdir(argv[1], 0777);
    if (mkdtemp(tmpdir) == NULL) {
        perror(tmpdir);
        return 1;
    }
    test_every_vr_round_trip(NULL);
    test_every_vr_round_trip(DK_TS_IMPLICIT_LE);
    test_rules_at_set_time();
    test_charset();
    test_stale_items();
    test_atomic_save();
    test_read_errors();
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return finish();
}
