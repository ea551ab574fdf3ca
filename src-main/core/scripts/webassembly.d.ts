// The project's lib is ES2022 without the DOM, which is where TypeScript declares WebAssembly; the sandbox only
// passes a compiled module from the host to its worker, so the opaque type is all it needs. (esbuild's types
// declare the same empty interface, which is why the whole project compiled without this while the library's
// declaration build, which does not reach esbuild, did not.)
declare namespace WebAssembly {
  interface Module {}
}
