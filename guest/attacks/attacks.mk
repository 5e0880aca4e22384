# SPDX-License-Identifier: MIT
# The hostile-guest battery (docs/security.md): the attacker kernel and
# the battery's parent, both ring-0 images on the test guests' runtime
# (guest/tests/rt/) and link map. Included by the top-level Makefile after
# guest/tests/guest.mk, whose flags and runtime objects it uses.

GA_SRC := guest/attacks
GA_OUT := $(BUILD)/guest/attacks
GUEST_ATTACK_NAMES := attacker battery
GUEST_ATTACK_ELFS := $(GUEST_ATTACK_NAMES:%=$(GA_OUT)/%.elf)

$(GA_OUT)/%.o: $(GA_SRC)/%.c $(GT_DEPS) $(GA_SRC)/attacks.mk
	@mkdir -p $(@D)
	$(Q)$(call say,CC,$@)$(CC) $(GT_CFLAGS) -c $< -o $@

$(GA_OUT)/%.elf: $(GA_OUT)/%.o $(GT_RT_OBJS) $(GT_SRC)/guest.ld
	$(Q)$(call say,LD,$@)$(LD) $(GT_LDFLAGS) -o $@ $< $(GT_RT_OBJS)

-include $(GUEST_ATTACK_NAMES:%=$(GA_OUT)/%.d)
