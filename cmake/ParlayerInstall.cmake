# Install rules and the exported package: after `cmake --install`, a downstream project does
#   find_package(parlayer REQUIRED)  +  target_link_libraries(app PRIVATE parlayer::parlayer)
# (or a narrower module target such as parlayer::domain).
include_guard(GLOBAL)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(PARLAYER_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/parlayer")

# Every module target is exported (parlayer::core, ::parallel, ::domain, ::halo, ::balance,
# ::checkpoint, ::runtime, ::coupling) with the umbrella parlayer::parlayer, so a consumer may link just the modules it uses.
install(TARGETS parlayer_core parlayer_parallel parlayer_domain parlayer_transfer parlayer_halo parlayer_balance parlayer_checkpoint parlayer_coupling
                parlayer_runtime parlayer
        EXPORT parlayerTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/parlayer" DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT parlayerTargets NAMESPACE parlayer:: DESTINATION ${PARLAYER_INSTALL_CMAKEDIR})

configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/parlayerConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/parlayerConfig.cmake" INSTALL_DESTINATION ${PARLAYER_INSTALL_CMAKEDIR})
write_basic_package_version_file("${PROJECT_BINARY_DIR}/parlayerConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/parlayerConfig.cmake"
              "${PROJECT_BINARY_DIR}/parlayerConfigVersion.cmake"
        DESTINATION ${PARLAYER_INSTALL_CMAKEDIR})
