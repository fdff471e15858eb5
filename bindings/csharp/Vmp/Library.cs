// Library.cs - loading libvmp once: the right file for the process (on Windows the x86 or x64
// vmp.dll of the release layout), a clear VmpLibraryException instead of a crash when it is
// missing, built for another architecture (the BadImageFormatException case) or of another
// MAJOR.MINOR; UTF-8 in and out; statuses to exceptions.
using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace Vmp
{
    /// <summary>libvmp could not be used: not found, for another architecture, or of another version.</summary>
    public class VmpLibraryException : Exception
    {
        public VmpLibraryException(string message, Exception inner = null) : base(message, inner) { }
    }

    /// <summary>The native library: where it is, and the checks made before the first call.</summary>
    public static class Library
    {
        /// <summary>The MAJOR.MINOR of vmp this binding was written for.</summary>
        public static readonly Version BindingVersion = new Version(Abi.VersionMajor, Abi.VersionMinor);

        /// <summary>Environment variable naming the library file to use instead of searching.</summary>
        public const string LibraryEnv = "VMP_LIBRARY";

        static readonly object gate = new object();
        static bool loaded;
        static Exception failure;

        [DllImport("kernel32", SetLastError = true, CharSet = CharSet.Unicode)]
        static extern IntPtr LoadLibraryW(string path);

        static bool IsWindows
        {
            get { return Path.DirectorySeparatorChar == '\\'; }
        }

        /// <summary>The architecture of this process: "x64", "x86", "arm64" or "arm".</summary>
        public static string ProcessArch
        {
            get
            {
                // RuntimeInformation is not in .NET Framework 4.6.2: the pointer size tells x86 from
                // x64, and Windows names an ARM process in PROCESSOR_ARCHITECTURE.
                string env = IsWindows ? (Environment.GetEnvironmentVariable("PROCESSOR_ARCHITECTURE") ?? "") : "";
                if (env.Equals("ARM64", StringComparison.OrdinalIgnoreCase)) return "arm64";
                return IntPtr.Size == 8 ? "x64" : "x86";
            }
        }

        /// <summary>The library's file name on this system.</summary>
        public static string FileName
        {
            get { return IsWindows ? "vmp.dll" : "libvmp.so"; }
        }

        /// <summary>Where the library is looked for: next to the assembly, then in the per-architecture
        /// folders of a release package (x64\, win-x64\, runtimes\win-x64\native\, ...).</summary>
        public static IEnumerable<string> CandidatePaths(string arch)
        {
            string baseDir = AppDomain.CurrentDomain.BaseDirectory;
            string asmDir = Path.GetDirectoryName(typeof(Library).Assembly.Location) ?? baseDir;
            foreach (string dir in new[] { asmDir, baseDir })
            {
                yield return Path.Combine(dir, FileName);
                yield return Path.Combine(dir, arch, FileName);
                yield return Path.Combine(dir, "win-" + arch, FileName);
                yield return Path.Combine(Path.Combine(Path.Combine(dir, "runtimes"), "win-" + arch), Path.Combine("native", FileName));
            }
            // The `make dist` layout: windows-x64\, windows-x86\, linux-x64/ at the top of an unpacked
            // release package (beside bindings/) and under dist/ of the source tree.
            string plat = (IsWindows ? "windows-" : "linux-") + arch;
            for (string dir = asmDir; dir != null; dir = Path.GetDirectoryName(dir))
            {
                yield return Path.Combine(Path.Combine(dir, plat), FileName);
                yield return Path.Combine(Path.Combine(Path.Combine(dir, "dist"), plat), FileName);
            }
        }

        /// <summary>The architecture a library file was built for, from its ELF or PE header; null
        /// when it is neither.</summary>
        public static string BinaryArch(string path)
        {
            try
            {
                using (var f = File.OpenRead(path))
                {
                    var head = new byte[64];
                    int n = f.Read(head, 0, head.Length);
                    if (n >= 20 && head[0] == 0x7f && head[1] == (byte)'E' && head[2] == (byte)'L' && head[3] == (byte)'F')
                    {
                        int machine = head[5] == 1 ? head[18] | head[19] << 8 : head[19] | head[18] << 8;
                        switch (machine)
                        {
                            case 0x03: return "x86";
                            case 0x3E: return "x64";
                            case 0x28: return "arm";
                            case 0xB7: return "arm64";
                            default: return "elf-machine-0x" + machine.ToString("x");
                        }
                    }
                    if (n >= 64 && head[0] == (byte)'M' && head[1] == (byte)'Z')
                    {
                        int peOffset = BitConverter.ToInt32(head, 60);
                        var pe = new byte[6];
                        f.Seek(peOffset, SeekOrigin.Begin);
                        if (f.Read(pe, 0, 6) == 6 && pe[0] == (byte)'P' && pe[1] == (byte)'E' && pe[2] == 0 && pe[3] == 0)
                        {
                            int machine = pe[4] | pe[5] << 8;
                            switch (machine)
                            {
                                case 0x014C: return "x86";
                                case 0x8664: return "x64";
                                case 0xAA64: return "arm64";
                                case 0x01C4: return "arm";
                                default: return "pe-machine-0x" + machine.ToString("x");
                            }
                        }
                    }
                }
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            return null;
        }

        /// <summary>Throws VmpLibraryException when the file is built for another architecture than
        /// this process: the case that would otherwise be a BadImageFormatException.</summary>
        public static void CheckArch(string path)
        {
            string found = BinaryArch(path);
            if (found != null && found != ProcessArch)
                throw new VmpLibraryException(string.Format(
                    "{0} is built for {1}, but this process is {2} ({3}-bit): use the {2} build of vmp " +
                    "(release packages have one folder per architecture; for AnyCPU on Windows, \"Prefer 32-bit\" " +
                    "decides), or set {4} to it", path, found, ProcessArch, IntPtr.Size * 8, LibraryEnv));
        }

        /// <summary>The library file this process uses: VMP_LIBRARY when set, else the first
        /// candidate that exists; null when none does (then the system's search decides).</summary>
        public static string FindLibrary()
        {
            string env = Environment.GetEnvironmentVariable(LibraryEnv);
            if (!string.IsNullOrEmpty(env))
            {
                if (!File.Exists(env)) throw new VmpLibraryException(LibraryEnv + "=" + env + ": no such file");
                return env;
            }
            foreach (string p in CandidatePaths(ProcessArch))
                if (File.Exists(p)) return p;
            return null;
        }

        /// <summary>Finds, checks and loads the library once; every VmpClient and helper calls it.</summary>
        public static void EnsureLoaded()
        {
            if (loaded) return;
            lock (gate)
            {
                if (loaded) return;
                if (failure != null) throw new VmpLibraryException(failure.Message, failure);
                try
                {
                    Load();
                    loaded = true;
                }
                catch (Exception e)
                {
                    failure = e;
                    throw;
                }
            }
        }

        static void Load()
        {
            string path = FindLibrary();
            if (path != null)
            {
                CheckArch(path);
                // On Windows, loading the chosen file by its full path first makes every
                // [DllImport("vmp")] bind to it, whatever the search path holds.
                if (IsWindows && LoadLibraryW(Path.GetFullPath(path)) == IntPtr.Zero)
                    throw new VmpLibraryException("cannot load " + path + ": Windows error " + Marshal.GetLastWin32Error());
            }
            string version;
            try
            {
                version = Utf8.FromNative(NativeMethods.vmp_version());
            }
            catch (BadImageFormatException e)
            {
                throw new VmpLibraryException(string.Format("{0} is not a library for this {1} process: {2}",
                    path ?? FileName, ProcessArch, e.Message), e);
            }
            catch (DllNotFoundException e)
            {
                throw new VmpLibraryException(string.Format("{0} not found for this {1} process (looked next to " +
                    "the assembly and in its {1}\\ and runtimes\\win-{1}\\native\\ folders, and the system's search " +
                    "path); set {2} to it: {3}", FileName, ProcessArch, LibraryEnv, e.Message), e);
            }
            var v = new Version(version);
            if (v.Major != BindingVersion.Major || v.Minor != BindingVersion.Minor)
                throw new VmpLibraryException(string.Format("{0} is vmp {1}, but this binding was written for vmp {2}: " +
                    "use the binding that came with the library", path ?? FileName, version, BindingVersion));
        }
    }

    /// <summary>UTF-8 both ways, for every .NET the binding runs on.</summary>
    internal static class Utf8
    {
        static readonly UTF8Encoding strict = new UTF8Encoding(false, false);

        /// <summary>A NUL-terminated UTF-8 copy of s; null stays null (an optional argument).</summary>
        internal static byte[] ToNative(string s)
        {
            if (s == null) return null;
            var bytes = new byte[strict.GetByteCount(s) + 1];
            strict.GetBytes(s, 0, s.Length, bytes, 0);
            return bytes;
        }

        /// <summary>A NUL-terminated UTF-8 string the library owns.</summary>
        internal static string FromNative(IntPtr p)
        {
            if (p == IntPtr.Zero) return "";
            int n = 0;
            while (Marshal.ReadByte(p, n) != 0) n++;
            var bytes = new byte[n];
            Marshal.Copy(p, bytes, 0, n);
            return strict.GetString(bytes);
        }

        /// <summary>The NUL-terminated string at the start of a caller buffer.</summary>
        internal static string FromBuffer(byte[] buffer, int offset = 0, int max = -1)
        {
            int end = offset;
            int limit = max < 0 ? buffer.Length : Math.Min(buffer.Length, offset + max);
            while (end < limit && buffer[end] != 0) end++;
            return strict.GetString(buffer, offset, end - offset);
        }

        /// <summary>Copies and frees a library-allocated string.</summary>
        internal static string Take(IntPtr p)
        {
            if (p == IntPtr.Zero) return null;
            try { return FromNative(p); }
            finally { NativeMethods.vmp_free(p); }
        }
    }
}
