#pragma once
// Portfolio inputs that parse but cannot do what they seem to, for `progsurv validate` and
// `progsurv portfolio` to warn about (stderr; the run goes on).
#include <vector>

#include "progsurv/portfolio/portfolio.hpp"
#include "progsurv/scenario/lint.hpp"

namespace progsurv {

// Warnings (line 0: the key path names the place) for: a template sponsored at a level the
// roster has no post of (those proposals never start), and cynicism that rises, falls or
// starts above 0 while every cynicism.effect is 0 (it is recorded but changes no draw).
std::vector<ScenarioWarning> lint(const Portfolio& portfolio);

}  // namespace progsurv
