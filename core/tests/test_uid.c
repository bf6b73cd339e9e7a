/* UID generation: form, length, uniqueness, determinism of name-based UIDs, root handling. */
#include "check.h"
#include "dicomkit/uid.h"
#include "sha1.h"

#include <string.h>

static void test_sha1_vectors(void)
{
    /* FIPS 180 test vectors */
    static const char *abc_hex = "a9993e364706816aba3e25717850c26c9cd0d89d";
    unsigned char d[20];
    char hex[41];
    dk_sha1 ctx;
    dk_sha1_init(&ctx);
    dk_sha1_update(&ctx, "abc", 3);
    dk_sha1_final(&ctx, d);
    for (int i = 0; i < 20; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    CHECK(strcmp(hex, abc_hex) == 0);

    const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    dk_sha1_init(&ctx);
    dk_sha1_update(&ctx, two_blocks, strlen(two_blocks));
    dk_sha1_final(&ctx, d);
    for (int i = 0; i < 20; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    CHECK(strcmp(hex, "84983e441c3bd26ebaae4aa1f95129e5e54670f1") == 0);
}

static void test_random(void)
{
    char a[DK_UID_MAX + 1], b[DK_UID_MAX + 1];
    dk_error err;
    CHECK(dk_uid_generate(a, NULL, NULL, 0, &err) == DK_OK);
    CHECK(dk_uid_generate(b, NULL, NULL, 0, &err) == DK_OK);
    CHECK(strncmp(a, "2.25.", 5) == 0);
    CHECK(strlen(a) <= 64);
    CHECK(dk_uid_valid(a, strlen(a)));
    CHECK(strcmp(a, b) != 0);
}

static void test_name_based(void)
{
    char a[DK_UID_MAX + 1], b[DK_UID_MAX + 1], c[DK_UID_MAX + 1];
    dk_error err;
    CHECK(dk_uid_generate(a, NULL, "patient-42/study-1", 18, &err) == DK_OK);
    CHECK(dk_uid_generate(b, NULL, "patient-42/study-1", 18, &err) == DK_OK);
    CHECK(dk_uid_generate(c, NULL, "patient-42/study-2", 18, &err) == DK_OK);
    CHECK(strcmp(a, b) == 0);
    CHECK(strcmp(a, c) != 0);
    CHECK(dk_uid_valid(a, strlen(a)));
}

static void test_root(void)
{
    char a[DK_UID_MAX + 1];
    dk_error err;
    CHECK(dk_uid_generate(a, "1.2.826.0.1.3680043.10.999", NULL, 0, &err) == DK_OK);
    CHECK(strncmp(a, "1.2.826.0.1.3680043.10.999.", 27) == 0);
    CHECK(strlen(a) <= 64);
    CHECK(dk_uid_valid(a, strlen(a)));

    /* a root that leaves exactly the minimum room still gives a valid UID */
    char root[DK_UID_MAX + 1];
    memset(root, 0, sizeof root);
    strcpy(root, "1.2");
    while (strlen(root) < DK_UID_MAX - 1 - DK_UID_MIN_SUFFIX_DIGITS - 1)
        strcat(root, "9");
    CHECK(dk_uid_generate(a, root, "x", 1, &err) == DK_OK);
    CHECK(strlen(a) <= 64 && dk_uid_valid(a, strlen(a)));

    strcat(root, "99");
    CHECK(dk_uid_generate(a, root, NULL, 0, &err) == DK_EINVAL);
    CHECK_MESSAGE(err, "room");

    CHECK(dk_uid_generate(a, "1.02.3", NULL, 0, &err) == DK_EINVAL);
    CHECK_MESSAGE(err, "not a valid UID");
    CHECK(dk_uid_generate(a, "1.2.abc", NULL, 0, &err) == DK_EINVAL);
}

static void test_valid(void)
{
    CHECK(dk_uid_valid("1.2.840.10008.1.2.1", 19));
    CHECK(dk_uid_valid("0", 1));
    CHECK(dk_uid_valid("1.0.2", 5));
    CHECK(!dk_uid_valid("1.02", 4));
    CHECK(!dk_uid_valid(".1.2", 4));
    CHECK(!dk_uid_valid("1.2.", 4));
    CHECK(!dk_uid_valid("1..2", 4));
    CHECK(!dk_uid_valid("1.2a", 4));
    CHECK(!dk_uid_valid("", 0));
    char long_uid[70];
    memset(long_uid, '1', 65);
    long_uid[65] = '\0';
    CHECK(!dk_uid_valid(long_uid, 65));
    CHECK(dk_uid_valid(long_uid, 64));
}

int main(void)
{
    test_sha1_vectors();
    test_random();
    test_name_based();
    test_root();
    test_valid();
    return finish();
}
