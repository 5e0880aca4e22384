/* placeholder, replaced below */
#include "arch/x86/ept.h"
#include "arch/x86/io.h"
#include "arch/x86/lapic.h"
#include "arch/x86/percpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/vmx_vcpu.h"
