#include "review/keymap.h"

#include "config/toml_reader.h"

namespace pd::review {

using config::detail::Node;

namespace {

struct Binding {
    std::string where;  // "review.approve"
    int line = 0;
};

int line_of(const toml::value& v) { return int(v.location().line()); }

// Reads one value of the form "A" or ["A", "Right"] into chords.
std::vector<std::pair<Chord, const toml::value*>> read_chords(const Node& table, const std::string& key,
                                                              const toml::value& v) {
    std::vector<const toml::value*> items;
    if (v.is_string()) items.push_back(&v);
    else if (v.is_array()) {
        for (const auto& e : v.as_array()) items.push_back(&e);
    } else {
        table.fail_at(v, table.key_path(key) + ": must be a key name or a list of key names, e.g. [\"A\", \"Right\"]");
    }
    std::vector<std::pair<Chord, const toml::value*>> out;
    for (const auto* e : items) {
        if (!e->is_string())
            table.fail_at(*e, table.key_path(key) + ": " + config::detail::describe(*e) + " is not a key name");
        const std::string name = e->as_string();
        auto chord = parse_chord(name);
        if (!chord)
            table.fail_at(*e, table.key_path(key) + ": unknown key '" + name +
                                  "' (keys: A-Z, 0-9, F1-F12, Left, Right, Up, Down, Space, Enter, Escape, "
                                  "Tab, Minus, Equal, Slash, KP_0-KP_9, KP_Add, KP_Subtract; modifiers "
                                  "Ctrl+, Shift+, Alt+)");
        out.emplace_back(*chord, e);
    }
    return out;
}

}  // namespace

const Command* Keymap::find(Context context, const Chord& chord) const {
    auto it = by_chord_.find({context, chord});
    return it == by_chord_.end() ? nullptr : &it->second;
}

const std::vector<Chord>& Keymap::chords(Command c) const {
    static const std::vector<Chord> none;
    auto it = by_command_.find(c);
    return it == by_command_.end() ? none : it->second;
}

int Keymap::picker_slot(const Chord& chord) const {
    for (size_t i = 0; i < picker_slots_.size(); ++i)
        if (picker_slots_[i] == chord) return int(i);
    return -1;
}

std::string Keymap::label(Command c, std::string_view separator) const {
    std::string s;
    for (const auto& ch : chords(c)) {
        if (!s.empty()) s += separator;
        s += chord_label(ch);
    }
    return s;
}

Result<Keymap> parse_keymap(std::string_view text, std::string_view origin) {
    Keymap km;
    auto st = config::detail::parse_document(text, origin, [&](const Node& root) {
        root.allow_only({"review", "recrop", "picker", "note"});
        std::map<std::pair<Context, Chord>, Binding> bound;
        auto bind = [&](const Node& table, Context ctx, const std::string& where, const Chord& chord,
                        const toml::value& at) {
            auto [it, fresh] = bound.try_emplace({ctx, chord}, Binding{where, line_of(at)});
            if (!fresh)
                table.fail_at(at, "'" + chord_name(chord) + "' is bound to both " + it->second.where +
                                      " (line " + std::to_string(it->second.line) + ") and " + where +
                                      " (line " + std::to_string(line_of(at)) + ")");
        };
        for (Context ctx : {Context::review, Context::recrop, Context::picker, Context::note}) {
            const std::string cname(context_name(ctx));
            if (!root.has(cname)) root.fail("missing table [" + cname + "]");
            const Node table = root.table(cname);
            for (const auto& [key, value] : table.entries()) {
                if (ctx == Context::picker && key == "slots") {
                    for (const auto& [chord, at] : read_chords(table, key, *value)) {
                        bind(table, ctx, "picker.slots", chord, *at);
                        km.picker_slots_.push_back(chord);
                    }
                    continue;
                }
                auto cmd = command_from_name(key);
                if (!cmd) table.fail_at(*value, "unknown command '" + table.key_path(key) + "'");
                if (info(*cmd).context != ctx)
                    table.fail_at(*value, "'" + key + "' belongs in [" + std::string(context_name(info(*cmd).context)) +
                                              "], not [" + cname + "]");
                for (const auto& [chord, at] : read_chords(table, key, *value)) {
                    bind(table, ctx, cname + "." + key, chord, *at);
                    km.by_chord_[{ctx, chord}] = *cmd;
                    km.by_command_[*cmd].push_back(chord);
                }
            }
        }
        for (const auto& c : command_table())
            if (km.by_command_[c.id].empty())
                root.fail(std::string(context_name(c.context)) + "." + std::string(c.name) +
                          " has no key: every command needs at least one");
        if (km.picker_slots_.size() < 9) root.fail("picker.slots: needs at least 9 keys, one per visible row");
    });
    if (!st) return st.error();
    return km;
}

Result<Keymap> load_keymap_file(const std::string& path) {
    return config::detail::load_file<Keymap>(path, parse_keymap);
}

Result<Keymap> load_keymap(const std::string& config_dir) {
    return load_keymap_file(config::detail::join_path(config_dir, "keymap.toml"));
}

}  // namespace pd::review
