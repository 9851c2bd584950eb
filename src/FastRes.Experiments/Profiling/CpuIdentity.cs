using System.Globalization;

namespace FastRes.Experiments.Profiling;

/// <summary>
/// Who made the CPU and which generation it is (issue 14 item 5): vendor, family/model/stepping as the kernel reports
/// them in /proc/cpuinfo (the CPUID values with the extended family and model already folded in), the
/// microarchitecture where the (vendor, family, model) is known, and the memory from /proc/meminfo. A cluster node
/// is named by family, not by its marketing string: "AMD EPYC" covers four generations with different datapaths.
/// </summary>
/// <param name="Microarchitecture">"Zen 5", "Sapphire Rapids", …; null where the triple is not in the table.</param>
public sealed record CpuIdentity(string Vendor, int? Family, int? Model, int? Stepping, string? Microarchitecture, long? MemoryBytes)
{
    /// <summary>The running machine (Linux); the fields it cannot read are null.</summary>
    public static CpuIdentity Current() => Parse(ReadOrEmpty("/proc/cpuinfo"), ReadOrEmpty("/proc/meminfo"));

    private static string ReadOrEmpty(string path)
    {
        try { return File.Exists(path) ? File.ReadAllText(path) : ""; }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }

    /// <summary>From the texts of /proc/cpuinfo and /proc/meminfo (the first processor's block is enough: nodes are homogeneous).</summary>
    public static CpuIdentity Parse(string cpuinfo, string meminfo)
    {
        string? vendor = null;
        int? family = null, model = null, stepping = null;
        foreach (string raw in cpuinfo.Split('\n'))
        {
            if (raw.Length == 0 && vendor is not null) break; // end of the first processor's block
            int colon = raw.IndexOf(':');
            if (colon < 0) continue;
            string key = raw[..colon].Trim(), value = raw[(colon + 1)..].Trim();
            switch (key)
            {
                case "vendor_id": vendor ??= value; break;
                case "cpu family": family ??= Int(value); break;
                case "model": model ??= Int(value); break;
                case "stepping": stepping ??= Int(value); break;
            }
        }
        long? memory = null;
        foreach (string line in meminfo.Split('\n'))
        {
            if (!line.StartsWith("MemTotal:", StringComparison.Ordinal)) continue;
            var parts = line["MemTotal:".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 1 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long kb))
                memory = kb * 1024; // /proc/meminfo's "kB" is KiB
        }
        string v = vendor switch { "AuthenticAMD" => "AMD", "GenuineIntel" => "Intel", null => "unknown", _ => vendor };
        return new CpuIdentity(v, family, model, stepping, family is { } f && model is { } m ? Name(v, f, m) : null, memory);
    }

    private static int? Int(string s) => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int x) ? x : null;

    /// <summary>
    /// The microarchitecture of (vendor, family, model), from the vendors' published model numbers (AMD's
    /// per-family revision guides, Intel's SDM Table 2-1); null when not listed. Coarse on purpose: what matters for
    /// the kernels is the generation (datapath width, AVX-512), not the stepping.
    /// </summary>
    public static string? Name(string vendor, int family, int model) => (vendor, family) switch
    {
        ("AMD", 0x17) => model is >= 0x30 and <= 0x3F or 0x47 or >= 0x60 and <= 0x7F or >= 0x84 and <= 0x87 or >= 0x90 and <= 0xAF ? "Zen 2"
                       : model is 0x08 or 0x18 ? "Zen+" : model < 0x30 ? "Zen" : null,
        ("AMD", 0x19) => model is >= 0x10 and <= 0x1F or >= 0x60 and <= 0x7F or >= 0xA0 and <= 0xAF ? "Zen 4"
                       : model is <= 0x0F or >= 0x20 and <= 0x5F ? "Zen 3" : null,
        ("AMD", 0x1A) => model <= 0x7F ? "Zen 5" : null,
        ("Intel", 6) => model switch
        {
            0x3C or 0x3F or 0x45 or 0x46 => "Haswell",
            0x3D or 0x47 or 0x4F or 0x56 => "Broadwell",
            0x4E or 0x5E => "Skylake",
            0x55 => "Skylake-SP / Cascade Lake",
            0x8E or 0x9E => "Kaby Lake / Coffee Lake",
            0x6A or 0x6C => "Ice Lake-SP",
            0x7D or 0x7E => "Ice Lake",
            0x8C or 0x8D => "Tiger Lake",
            0x97 or 0x9A => "Alder Lake",
            0xB7 or 0xBA or 0xBF => "Raptor Lake",
            0x8F => "Sapphire Rapids",
            0xCF => "Emerald Rapids",
            0xAD or 0xAE => "Granite Rapids",
            _ => null,
        },
        _ => null,
    };

    /// <summary>"AMD family 26 model 2 stepping 1 (Zen 5)".</summary>
    public string Describe()
    {
        string Part(string name, int? v) => v is { } x ? $" {name} {x}" : "";
        return $"{Vendor}{Part("family", Family)}{Part("model", Model)}{Part("stepping", Stepping)}" +
               (Microarchitecture is { } u ? $" ({u})" : Family is null ? "" : " (microarchitecture not in FastRes's table)");
    }

    /// <summary>
    /// The OpenBLAS core type the LAPACK peer runs with: what OpenBLAS itself reports (<paramref name="coreName"/>,
    /// from openblas_get_corename), and whether OPENBLAS_CORETYPE forced it.
    /// </summary>
    public static string OpenBlasCoreType(string? coreName, Func<string, string?> environment)
    {
        string? forced = environment("OPENBLAS_CORETYPE") is { Length: > 0 } t ? t : null;
        if (coreName is null)
            return "LAPACK peer not loaded (bash bench/install-peers.sh)" + (forced is null ? "" : $"; OPENBLAS_CORETYPE={forced}");
        return coreName + (forced is null ? " (OpenBLAS's own detection; OPENBLAS_CORETYPE unset)" : $" (forced by OPENBLAS_CORETYPE={forced})");
    }
}
