# SPDX-License-Identifier: MIT
# User programs for the guest kernel: guest/programs/<name>.c, linked with
# the user library (guest/lib/) at USER_BASE by guest/lib/user.ld. The
# boot scenarios kernel-*.scn put $(BUILD)/guest/programs/<name>.elf on the
# ESP as hv/programs/<name>.elf, and the manifest lists them under
# `programs =`. Included by the top-level Makefile, which defines BUILD.

include guest/lib/lib.mk

GP_SRC := guest/programs
GP_OUT := $(BUILD)/guest/programs

GUEST_PROGRAM_NAMES := init hello priv priv-cr3 vmcall peek poke nx \
	spin count halt-after x87 pm primes bench benchcreate echo
GUEST_PROGRAM_ELFS := $(GUEST_PROGRAM_NAMES:%=$(GP_OUT)/%.elf)

GP_OBJS := $(GUEST_PROGRAM_NAMES:%=$(GP_OUT)/%.o)
GP_DEPS := $(MAKEDEPS) $(GP_SRC)/programs.mk $(GL_SRC)/lib.mk

$(GP_OBJS): $(GP_OUT)/%.o: $(GP_SRC)/%.c $(GP_DEPS)
	@mkdir -p $(@D)
	$(Q)$(call say,CC,$@)$(CC) $(GL_CFLAGS) -c $< -o $@

$(GUEST_PROGRAM_ELFS): $(GP_OUT)/%.elf: $(GP_OUT)/%.o $(GUEST_LIB_OBJS) \
		$(GUEST_USER_LD)
	$(Q)$(call say,LD,$@)$(LD) $(GUEST_USER_LDFLAGS) -o $@ \
		$(GUEST_LIB_OBJS) $< $(GP_EXTRA_OBJS)

# pm is three files: its commands (pm.c), its views (pm_show.c) and its
# typing at a partition's console (pm_type.c).
GP_PM_SHOW := $(GP_OUT)/pm_show.o $(GP_OUT)/pm_type.o
$(GP_PM_SHOW): $(GP_OUT)/%.o: $(GP_SRC)/%.c $(GP_DEPS)
	@mkdir -p $(@D)
	$(Q)$(call say,CC,$@)$(CC) $(GL_CFLAGS) -c $< -o $@
$(GP_OUT)/pm.elf: $(GP_PM_SHOW)
$(GP_OUT)/pm.elf: GP_EXTRA_OBJS := $(GP_PM_SHOW)

# bench is two: the benchmark (bench.c) and its Linux boots (bench_linux.c).
GP_BENCH_EXTRA := $(GP_OUT)/bench_linux.o
$(GP_BENCH_EXTRA): $(GP_OUT)/%.o: $(GP_SRC)/%.c $(GP_DEPS)
	@mkdir -p $(@D)
	$(Q)$(call say,CC,$@)$(CC) $(GL_CFLAGS) -c $< -o $@
$(GP_OUT)/bench.elf: $(GP_BENCH_EXTRA)
$(GP_OUT)/bench.elf: GP_EXTRA_OBJS := $(GP_BENCH_EXTRA)

-include $(GP_OBJS:.o=.d) $(GP_PM_SHOW:.o=.d) $(GP_BENCH_EXTRA:.o=.d)
