# Every dependency, found the way Debian ships it. Libraries without a CMake config
# (imgui, cpp-httplib, libpqxx, libexif, libheif, libwebp, libturbojpeg) come through pkg-config.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

# OpenCV: list the components, or the config drags in VTK and Qt.
find_package(OpenCV 4.6 REQUIRED COMPONENTS core imgproc imgcodecs objdetect photo ximgproc)

find_package(dlib REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(toml11 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)

pkg_check_modules(EXIF REQUIRED IMPORTED_TARGET libexif)
pkg_check_modules(TURBOJPEG REQUIRED IMPORTED_TARGET libturbojpeg)
pkg_check_modules(WEBP REQUIRED IMPORTED_TARGET libwebp)
pkg_check_modules(HEIF REQUIRED IMPORTED_TARGET libheif)
find_package(PNG REQUIRED)

if(PD_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(PD_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()

# Storage (src/storage): SQLite and PostgreSQL backends; OpenSSL's libcrypto for SHA-256.
find_package(SQLite3 REQUIRED)
pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx)
find_package(OpenSSL REQUIRED)

# Server and client (src/server, src/client, src/exchange). Debian builds cpp-httplib as a
# shared library with OpenSSL, zlib and brotli: pkg-config gives the matching defines.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
find_package(CURL REQUIRED)
pkg_check_modules(LIBZIP REQUIRED IMPORTED_TARGET libzip)

# Workstation (src/workstation): Dear ImGui 1.86 from libimgui-dev (a static library that
# already holds the GLFW and OpenGL3 backends; links -lstb), GLFW, and OpenGL through glvnd's
# libGL, which exports every core entry point (so no loader is needed).
pkg_check_modules(IMGUI REQUIRED IMPORTED_TARGET imgui)
pkg_check_modules(GLFW REQUIRED IMPORTED_TARGET glfw3)
set(OpenGL_GL_PREFERENCE GLVND)
find_package(OpenGL REQUIRED)
