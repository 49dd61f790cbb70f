#pragma once
// A portfolio (docs/model.md, Portfolio mode): one organisation's sponsor posts, calendar,
// budget, cynicism and customer trust, and the programmes it launches over the years.
// Parsing lives in sim/portfolio/portfolio_parser.cpp; docs/portfolio-format.md documents
// the file.
#include <cstdint>
#include <string>
#include <vector>

#include "progsurv/engine/cynicism.hpp"
#include "progsurv/model/distribution.hpp"
#include "progsurv/scenario/scenario.hpp"

namespace progsurv {

// A programme proposed at a given time from a given template.
struct PlannedLaunch {
  double at = 0.0;
  int programme = 0;  // index into Portfolio::templates
};

// Launches by a renewal process: inter-launch times i.i.d. from `every` (the first one
// from t = 0), each from a template drawn from the mix.
struct Renewal {
  bool enabled = false;
  Distribution every = Distribution::never();
  std::vector<int> programme;  // template indices
  std::vector<double> prob;    // normalised
  int pick(double u) const;
};

// Entities of an organisation's random streams (the `entity` of every decision's key):
// programme j is entity j; the k-th post of level l is post_entity(l, k), so adding a post
// to one level leaves every other post's draws unchanged; the organisation itself is
// kOrganisationEntity.
inline constexpr std::uint32_t kMaxLaunches = 2048;
inline constexpr std::uint32_t kPostEntity0 = 2048;
inline constexpr int kMaxPostsPerLevel = 128;
inline constexpr int kMaxRosterLevels = 15;
inline constexpr std::uint32_t kOrganisationEntity = 4095;
constexpr std::uint32_t post_entity(int level, int k) {
  return kPostEntity0 + static_cast<std::uint32_t>(level * kMaxPostsPerLevel + k);
}

struct Portfolio {
  std::string name = "portfolio";
  std::string description;
  std::string source;     // file path or "<string>"
  std::string yaml_text;  // the text it was parsed from
  // Values set after the portfolio was read (with_values: `--set`), for every output.
  std::vector<ValueChange> changes;
  // The name, with the changes as a variant label: "ten-years [roster.vp=4]".
  std::string label() const { return variant_label(name, changes); }

  double horizon = 120.0;
  std::vector<double> grid;

  // The programme templates, each a full scenario with the organisation's parts written
  // in: sponsor levels, initial_sponsor, succession (vacancy, adoption), silos, handoffs,
  // escalation, disengaged, the review calendar, budget, horizon and grid.
  std::vector<std::string> template_names;
  std::vector<std::string> template_sources;  // file of each template, or "inline"
  std::vector<Scenario> templates;

  // Posts per sponsor level (indexed like templates[0].levels, which all templates share).
  std::vector<std::string> level_names;
  std::vector<int> roster;
  CynicismSettings cynicism;
  double initial_trust = 1.0;  // customers.initial_trust

  std::vector<PlannedLaunch> launches;  // ascending by time, ties in file order
  Renewal renewal;
  int max_live = 0;  // programmes scoping or running at once; 0 = no cap
  // Programmes are also compared within this many months of their own launch (those
  // launched by horizon - compare_within), so later ranks are not judged on less time.
  double compare_within = 60.0;

  const std::vector<SponsorLevel>& levels() const { return templates.front().levels; }
  int post_count() const;
  // The largest number of launches an organisation can see when it is bounded (no
  // renewal): the planned ones. -1 with a renewal process.
  int planned_launches() const { return renewal.enabled ? -1 : static_cast<int>(launches.size()); }

  static Portfolio from_yaml(const std::string& text, const std::string& source = "<string>");
  static Portfolio load(const std::string& path);
  // Overrides by key path, as Scenario::with_values does, on the portfolio's own keys
  // ("cynicism.rise", "roster.vp", "customers.initial_trust"). Template values are
  // "programmes.NAME.<scenario path>"; a template given as a file is first written inline
  // (its file is not changed), so the path means the same whichever way it is given. A path
  // the portfolio would ignore, or that leads into an organisation block the file does not
  // give, is refused with the path that acts (ScenarioError from "<override>").
  Portfolio with_values(const std::vector<std::pair<std::string, std::string>>& values) const;
  // The organisation's parts ("sponsor_levels", ..., "review_every"): a portfolio block of
  // one of these names replaces that part of every template; without one, the organisation
  // takes it from the lead template (the first).
  static const std::vector<std::string>& organisation_blocks();
  static bool is_organisation_block(const std::string& key);
  // The same portfolio with every template given as a file written inline: its yaml_text then
  // stands alone (a file that keeps the portfolio needs no other).
  Portfolio with_templates_inline() const;
};

}  // namespace progsurv
