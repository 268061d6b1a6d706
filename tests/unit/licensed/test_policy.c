/* The chassis table, the effective maximum and the operator's messages. */
#include <criterion/criterion.h>
#include <string.h>

#include "chassis.h"
#include "license_policy.h"

static const lic_token_t lab1000 = {.id = "LAB-0001", .tunnels = 1000, .issued = "2025-01-15"};
static const lic_token_t lab5000 = {.id = "LAB-0005", .tunnels = 5000, .issued = "2025-01-15"};

Test(chassis, table) {
  static const struct {
    const char *name;
    uint32_t ceiling;
  } want[] = {{"erx-310", 2000}, {"erx-705", 5000}, {"erx-710", 5000}, {"erx-1410", 5000}, {"erx-1440", 5000}};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    const lic_chassis_t *c = lic_chassis_find(want[i].name);
    cr_assert_not_null(c, "%s", want[i].name);
    cr_assert_str_eq(c->name, want[i].name);
    cr_assert_eq(c->ceiling, want[i].ceiling, "%s", want[i].name);
  }
  cr_assert_null(lic_chassis_find("erx-320"));
  cr_assert_null(lic_chassis_find("ERX-310"));
  cr_assert_null(lic_chassis_find(""));
  cr_assert_null(lic_chassis_find(NULL));
  cr_assert_not_null(lic_chassis_find(LIC_DEFAULT_CHASSIS));
  cr_assert_str_eq(lic_chassis_names(), "erx-310, erx-705, erx-710, erx-1410, erx-1440");
}

Test(policy, maximum_is_licence_or_10_capped_by_chassis) {
  const lic_chassis_t *small = lic_chassis_find("erx-310"), *big = lic_chassis_find("erx-1440");
  cr_assert_eq(lic_maximum(NULL, big), 10);
  cr_assert_eq(lic_maximum(NULL, small), 10);
  cr_assert_eq(lic_maximum(&lab1000, small), 1000);
  cr_assert_eq(lic_maximum(&lab5000, small), 2000);
  cr_assert_eq(lic_maximum(&lab5000, big), 5000);
}

Test(policy, admission_refusal_text) {
  char buf[256];
  const lic_chassis_t *c = lic_chassis_find("erx-1440");
  lic_admit_refusal(buf, sizeof buf, 10, NULL, false, c);
  cr_assert_str_eq(buf,
                   "IPsec tunnel limit reached (10 of 10 in use; no licence installed, chassis erx-1440 allows 5000)");
  lic_admit_refusal(buf, sizeof buf, 1000, &lab1000, false, c);
  cr_assert_str_eq(buf, "IPsec tunnel limit reached (1000 of 1000 in use; licence LAB-0001 allows 1000, chassis "
                        "erx-1440 allows 5000)");
  lic_admit_refusal(buf, sizeof buf, 12, NULL, true, c);
  cr_assert_str_eq(buf, "IPsec tunnel limit reached (12 of 10 in use; the stored licence is not in force, chassis "
                        "erx-1440 allows 5000)");
  lic_admit_refusal(buf, sizeof buf, 2000, &lab5000, false, lic_chassis_find("erx-310"));
  cr_assert_str_eq(buf, "IPsec tunnel limit reached (2000 of 2000 in use; licence LAB-0005 allows 5000, chassis "
                        "erx-310 allows 2000)");
}

Test(policy, install_and_remove_decisions) {
  char msg[256];
  const lic_chassis_t *small = lic_chassis_find("erx-310"), *big = lic_chassis_find("erx-1440");
  cr_assert_eq(lic_install_check(&lab1000, 1000, small, msg, sizeof msg), 0);
  cr_assert_str_eq(msg, "licence LAB-0001 installed: 1000 tunnels (chassis erx-310 allows 2000; maximum 1000)");
  cr_assert_eq(lic_install_check(&lab5000, 0, small, msg, sizeof msg), 0);
  cr_assert_str_eq(msg, "licence LAB-0005 installed: 5000 tunnels (chassis erx-310 allows 2000; maximum 2000)");
  cr_assert_eq(lic_install_check(&lab1000, 1001, big, msg, sizeof msg), -1);
  cr_assert_str_eq(msg, "refused: 1001 tunnels are configured and licence LAB-0001 allows only 1000");
  cr_assert_eq(lic_install_check(&lab5000, 2001, small, msg, sizeof msg), -1);
  cr_assert_str_eq(msg, "refused: 2001 tunnels are configured and licence LAB-0005 allows only 2000");

  cr_assert_eq(lic_remove_check(&lab1000, 11, big, msg, sizeof msg), -1);
  cr_assert_str_eq(msg, "refused: 11 tunnels are configured and without a licence only 10 are allowed");
  cr_assert_eq(lic_remove_check(&lab1000, 10, big, msg, sizeof msg), 0);
  cr_assert_str_eq(msg, "licence LAB-0001 removed: at most 10 tunnels");
  cr_assert_eq(lic_remove_check(NULL, 0, big, msg, sizeof msg), 0);
  cr_assert_str_eq(msg, "no licence installed: at most 10 tunnels");
}
