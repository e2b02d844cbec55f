/* test_fio_json.c - fio's JSON report read as fio 3.33 writes it (two jobs summed, the job
 * options' string "runtime" not mistaken for the figures), refused when malformed, and the
 * console line form read back to the same figures. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fio_json.h"

/* The shape of `fio --output-format=json` (3.33), nested objects and all, shortened. */
#define JOB(name, rios, wios, err)                                                                 \
	"    {\n      \"jobname\" : \"" name "\",\n      \"groupid\" : 0,\n      \"error\" : " err \
	",\n      \"job options\" : {\n        \"rw\" : \"read\",\n        \"runtime\" : \"3\"\n"  \
	"      },\n      \"read\" : {\n        \"io_bytes\" : " rios                               \
	"000,\n        \"io_kbytes\" "                                                             \
	": 1,\n        \"bw_bytes\" : 2048,\n        \"bw\" : 2,\n        \"iops\" : 12.5,\n     " \
	"   \"runtime\" : 3001,\n        \"total_ios\" : " rios                                    \
	",\n        \"slat_ns\" : {\n      "                                                       \
	"    \"min\" : 0,\n          \"total_ios\" : 99\n        }\n      },\n      \"write\" : "  \
	"{\n "                                                                                     \
	"       \"io_bytes\" : " wios "000,\n        \"bw_bytes\" : 4096,\n        \"iops\" : "    \
	"1.25,\n        \"runtime\" : 2000,\n        \"total_ios\" : " wios ",\n        "          \
	"\"clat_ns\" : {}\n      }\n    }"

static const char two_jobs[] = "{\n  \"fio version\" : \"fio-3.33\",\n  \"jobs\" : [\n" JOB(
    "bh", "7", "3", "0") ",\n" JOB("bh", "5", "0", "0") "\n  ]\n}\n";

static void test_two_jobs_summed(void **state)
{
	struct fio_json_result r;

	(void)state;
	assert_int_equal(fio_json_parse(two_jobs, &r), 0);
	assert_int_equal(r.jobs, 2);
	assert_int_equal(r.error, 0);
	/* Each job's own total_ios, not the nested latency object's. */
	assert_int_equal(r.read_ios, 12);
	assert_int_equal(r.write_ios, 3);
	assert_int_equal(r.read_bytes, 12000);
	assert_int_equal(r.write_bytes, 3000);
	assert_true(r.read_iops > 24.9 && r.read_iops < 25.1);
	assert_true(r.read_bw > 4095 && r.read_bw < 4097);
	/* The figures' runtime (ms), not the job option's "3". */
	assert_int_equal(r.read_ms, 3001);
	assert_int_equal(r.write_ms, 2000);
}

static void test_job_error_kept(void **state)
{
	static const char j[] = "{ \"jobs\" : [\n" JOB("bh", "1", "1", "5") "\n] }";
	struct fio_json_result r;

	(void)state;
	assert_int_equal(fio_json_parse(j, &r), 0);
	assert_int_equal(r.error, 5);
}

static void test_malformed_refused(void **state)
{
	static const char *const bad[] = {
	    "",
	    "{ \"jobs\" : [ ] }",					 /* no job */
	    "fio: failed parsing rw=bogus\n",				 /* fio's error text */
	    "{ \"jobs\" : [ { \"jobname\" : \"x\", \"error\" : 0 } ] }", /* no read/write */
	    "{ \"jobs\" : [\n" JOB("bh", "-4", "1", "0") "\n] }",	 /* negative count */
	    "{ \"jobs\" : [\n" JOB("bh", "x", "1", "0") "\n] }",	 /* not a number */
	};
	struct fio_json_result r;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(fio_json_parse(bad[i], &r), -EINVAL);
}

static void test_line_round_trip(void **state)
{
	struct fio_json_result r, back;
	char line[512];

	(void)state;
	assert_int_equal(fio_json_parse(two_jobs, &r), 0);
	assert_true(fio_json_format(&r, line, sizeof(line)) < (int)sizeof(line));
	assert_int_equal(fio_json_scan(line, &back), 0);
	assert_int_equal(back.jobs, r.jobs);
	assert_int_equal(back.read_ios, r.read_ios);
	assert_int_equal(back.write_bytes, r.write_bytes);
	assert_int_equal(back.write_ms, r.write_ms);
	assert_true(back.read_iops > 24.9 && back.read_iops < 25.1);
	assert_int_equal(fio_json_scan("jobs=1 error=0 read_ios=", &back), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_two_jobs_summed),
	    cmocka_unit_test(test_job_error_kept),
	    cmocka_unit_test(test_malformed_refused),
	    cmocka_unit_test(test_line_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
