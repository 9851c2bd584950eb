using FastRes.Experiments.Profiling;
using FastRes.Kernels.Spectrum;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Profiling;

/// <summary>
/// <see cref="CpuIdentity"/> on /proc/cpuinfo texts of known machines (this one, and others a fleet meets), the
/// microarchitecture table at its edges, /proc/meminfo, and the OpenBLAS core type line.
/// </summary>
public class CpuIdentityTests
{
    private static string CpuInfo(string vendor, int family, int model, int stepping, string name) =>
        $"processor\t: 0\nvendor_id\t: {vendor}\ncpu family\t: {family}\nmodel\t\t: {model}\nmodel name\t: {name}\nstepping\t: {stepping}\n" +
        "flags\t\t: fpu vme\n\nprocessor\t: 1\nvendor_id\t: Other\ncpu family\t: 99\nmodel\t\t: 99\nstepping\t: 9\n";

    [TestCase("AuthenticAMD", 26, 2, 1, "AMD EPYC", "AMD", "Zen 5", TestName = "this machine: AMD family 26 is Zen 5")]
    [TestCase("AuthenticAMD", 25, 17, 1, "AMD EPYC 9654 96-Core Processor", "AMD", "Zen 4", TestName = "Genoa: family 25 model 0x11 is Zen 4")]
    [TestCase("AuthenticAMD", 25, 1, 1, "AMD EPYC 7763 64-Core Processor", "AMD", "Zen 3", TestName = "Milan: family 25 model 1 is Zen 3")]
    [TestCase("AuthenticAMD", 23, 49, 0, "AMD EPYC 7742 64-Core Processor", "AMD", "Zen 2", TestName = "Rome: family 23 model 0x31 is Zen 2")]
    [TestCase("AuthenticAMD", 23, 1, 2, "AMD EPYC 7601 32-Core Processor", "AMD", "Zen", TestName = "Naples: family 23 model 1 is Zen")]
    [TestCase("GenuineIntel", 6, 143, 8, "Intel(R) Xeon(R) Platinum 8480+", "Intel", "Sapphire Rapids", TestName = "Intel family 6 model 0x8F is Sapphire Rapids")]
    [TestCase("GenuineIntel", 6, 85, 7, "Intel(R) Xeon(R) Gold 6248", "Intel", "Skylake-SP / Cascade Lake", TestName = "Intel family 6 model 0x55")]
    public void Known_machines_are_named_by_family_and_generation(string vendor, int family, int model, int stepping, string name,
                                                                   string wantVendor, string wantArch)
    {
        var id = CpuIdentity.Parse(CpuInfo(vendor, family, model, stepping, name), "");
        Assert.That((id.Vendor, id.Family, id.Model, id.Stepping, id.Microarchitecture), Is.EqualTo((wantVendor, family, model, stepping, wantArch)),
            "the first processor's block is read; the second block's values must not leak in");
        Assert.That(id.Describe(), Is.EqualTo($"{wantVendor} family {family} model {model} stepping {stepping} ({wantArch})"));
    }

    [Test]
    public void An_unlisted_model_says_so_instead_of_guessing()
    {
        var id = CpuIdentity.Parse(CpuInfo("GenuineIntel", 6, 0x01, 0, "?"), "");
        Assert.That(id.Microarchitecture, Is.Null);
        Assert.That(id.Describe(), Does.EndWith("(microarchitecture not in FastRes's table)"));
        Assert.That(CpuIdentity.Name("AMD", 0x1A, 0x90), Is.Null, "beyond the Zen 5 model range");
        Assert.That(CpuIdentity.Name("AMD", 0x19, 0x60), Is.EqualTo("Zen 4"), "Phoenix/Raphael range edge");
        Assert.That(CpuIdentity.Name("AMD", 0x19, 0x5F), Is.EqualTo("Zen 3"), "Cezanne range edge");
    }

    [Test]
    public void Empty_or_unreadable_proc_files_give_unknown_fields_not_an_error()
    {
        var id = CpuIdentity.Parse("", "");
        Assert.That((id.Vendor, id.Family, id.Model, id.Microarchitecture, id.MemoryBytes), Is.EqualTo(("unknown", (int?)null, (int?)null, (string?)null, (long?)null)));
        Assert.That(id.Describe(), Is.EqualTo("unknown"));
        var arm = CpuIdentity.Parse("processor\t: 0\nBogoMIPS\t: 50.00\nCPU implementer\t: 0x41\n", "");
        Assert.That(arm.Family, Is.Null);
    }

    [Test]
    public void Memory_is_MemTotal_in_KiB()
    {
        var id = CpuIdentity.Parse("", "MemFree:         1000 kB\nMemTotal:       24683548 kB\n");
        Assert.That(id.MemoryBytes, Is.EqualTo(24683548L * 1024));
    }

    [Test]
    public void OpenBlas_line_names_the_core_and_whether_the_environment_forced_it()
    {
        Assert.That(CpuIdentity.OpenBlasCoreType("Haswell", v => v == "OPENBLAS_CORETYPE" ? "Haswell" : null),
            Is.EqualTo("Haswell (forced by OPENBLAS_CORETYPE=Haswell)"));
        Assert.That(CpuIdentity.OpenBlasCoreType("Cooperlake", _ => null), Does.StartWith("Cooperlake (OpenBLAS's own detection"));
        Assert.That(CpuIdentity.OpenBlasCoreType(null, _ => null), Does.StartWith("LAPACK peer not loaded"));
    }

    [Test]
    public void OpenBlas_reports_its_core_name_when_the_peer_is_installed()
    {
        if (!LapackEigen.IsAvailable) Assert.Ignore("LAPACKE not installed (bash bench/install-peers.sh): no OpenBLAS to ask");
        string? name = LapackEigen.OpenBlasCoreName;
        if (name is null) Assert.Ignore($"{LapackEigen.LibraryName} does not export openblas_get_corename (not an OpenBLAS back end)");
        Assert.That(name, Is.Not.Empty);
        // The environment may force a core type; OpenBLAS then reports that one.
        if (Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") is { Length: > 0 } forced)
            Assert.That(name, Is.EqualTo(forced).IgnoreCase);
    }

    [Test]
    public void This_machine_reads_as_a_real_cpu_on_linux()
    {
        if (!File.Exists("/proc/cpuinfo")) Assert.Ignore("no /proc/cpuinfo (not Linux)");
        var id = CpuIdentity.Current();
        if (File.ReadAllText("/proc/cpuinfo").Contains("vendor_id")) Assert.That(id.Vendor, Is.Not.EqualTo("unknown"));
        Assert.That(id.MemoryBytes, Is.GreaterThan(0));
    }
}
