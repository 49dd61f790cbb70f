#include "progsurv/portfolio/portfolio_lint.hpp"

#include <string>

#include "scenario/distribution_yaml.hpp"

namespace progsurv {

std::vector<ScenarioWarning> lint(const Portfolio& p) {
  using yaml_detail::format_double;
  std::vector<ScenarioWarning> out;
  for (std::size_t i = 0; i < p.templates.size(); ++i) {
    const LevelMix& mix = p.templates[i].sponsor;
    for (std::size_t k = 0; k < mix.level.size(); ++k) {
      const auto level = static_cast<std::size_t>(mix.level[k]);
      if (mix.prob[k] > 0.0 && p.roster[level] == 0)
        out.push_back({0, "roster",
                       "programme '" + p.template_names[i] + "' is sponsored at level '" +
                           p.level_names[level] + "' (share " + format_double(mix.prob[k]) +
                           ") but the roster has no such post: those proposals never start"});
    }
  }
  const CynicismSettings& c = p.cynicism;
  if (!c.has_effect() && (c.rise > 0.0 || c.relief > 0.0 || c.initial > 0.0))
    out.push_back({0, "cynicism.effect",
                   "cynicism is set (initial " + format_double(c.initial) + ", rise " +
                       format_double(c.rise) +
                       ") but every cynicism.effect is 0: it is recorded, and changes no "
                       "programme (give effect: {break, pickup, approval})"});
  return out;
}

}  // namespace progsurv
