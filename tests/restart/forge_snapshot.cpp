// Writes a valid snapshot (through the library, so every checksum is right) that is NOT a proper
// parlayer-climate state, for the restart tests' "snapshot from another model/config" cases:
//
//   restart_forge OUT NX NY MODEL CONFIG_FILE STEP TIME FIELD[:TYPE]...
//
// FIELD:TYPE with TYPE float64 (default), float32 or int32; values are 1 everywhere. MODEL is the
// `model` attribute ("climate" = parlayer-climate's own name); CONFIG_FILE holds the `config` text.
#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "parlayer/checkpoint/snapshot.hpp"
#include "parlayer/error.hpp"
#include "parlayer/parallel/environment.hpp"
#include "parlayer/parallel/interop.hpp"
#include "restart.hpp"

using namespace parlayer;

int main(int argc, char** argv) {
  return parallel::guarded_main(argc, argv, [&](parallel::Environment& env) -> int {
    if (argc < 9)
      throw CollectiveError("usage: restart_forge OUT NX NY MODEL CONFIG_FILE STEP TIME FIELD[:TYPE]...");
    const std::string out = argv[1];
    const int nx = std::stoi(argv[2]), ny = std::stoi(argv[3]);
    const std::string model = argv[4] == std::string("climate") ? climate::model_name : argv[4];
    std::ifstream file(argv[5]);
    std::stringstream config;
    config << file.rdbuf();
    const domain::Decomposition d({{nx, ny}, {true, false}, {}}, env.size());

    std::vector<std::unique_ptr<domain::FieldBase>> owned;
    for (int a = 8; a < argc; ++a) {
      const std::string spec = argv[a];
      const auto colon = spec.find(':');
      const std::string name = spec.substr(0, colon);
      const std::string type = colon == std::string::npos ? "float64" : spec.substr(colon + 1);
      if (type == "float64") {
        auto f = std::make_unique<domain::Field<double>>(name, d, env.rank(), 2);
        f->fill(1.0);
        owned.push_back(std::move(f));
      } else if (type == "float32") {
        auto f = std::make_unique<domain::Field<float>>(name, d, env.rank(), 2);
        f->fill(1.0f);
        owned.push_back(std::move(f));
      } else if (type == "int32") {
        auto f = std::make_unique<domain::Field<std::int32_t>>(name, d, env.rank(), 2);
        f->fill(1);
        owned.push_back(std::move(f));
      } else {
        throw CollectiveError("unknown element type '" + type + "'");
      }
    }
    std::vector<const domain::FieldBase*> fields;
    for (const auto& f : owned) fields.push_back(f.get());
    checkpoint::write_snapshot(out, env.world(), d, fields,
                               {std::stoll(argv[6]), std::stod(argv[7]), model, config.str()});
    return 0;
  });
}
