/// Word lists for `PersonNameDetector`, written by hand (lower case): what a capitalised word
/// must not be to count as a name, and what makes a nearby word a name. Kept as one string
/// per list so they cost nothing to compile.
enum NameLexicon {
    private static func set(_ s: String) -> Set<String> { Set(s.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)) }

    /// Capitalised at the start of a sentence or in a title, but not names: function words,
    /// pronouns, question words, and common verbs, adjectives and nouns. Words that are also
    /// common first names (will, may, mark, rose…) are here too: a title or a cue still makes
    /// them names ("Mr. Will", "my name is Rose").
    static let common = set("""
        a an the this that these those it its i me my mine we us our you your yours he him his she her hers they them their
        theirs who whom whose what which when where why how whatever whenever wherever whoever there here then now
        and or but nor so yet for of to in on at by with from into onto upon about above below over under after before
        since until till during through across along around against among between beyond within without via per than as
        if unless because although though while whether once not no yes ok okay oh hi hello hey dear thanks thank please
        sorry welcome goodbye bye cheers regards sincerely best warm kind yours truly
        is am are was were be been being have has had having do does did done doing can could shall should will would may
        might must need ought let lets get got go goes went gone come came make made take took give gave see saw seen
        say said tell told ask asked know knew think thought feel felt want wanted like liked love loved hate hated hope
        try tried call called find found keep kept leave left put run set show turn use used work worked write wrote read
        send sent buy bought pay paid meet met help live lived look looked play played start stop open close move
        all any both each every few many more most much other others some such same own only just also very too quite
        really still even ever never always often sometimes already again almost enough well better good great bad big
        small little long short high low old new young first last next previous early late free full sure true real
        right wrong left main major minor general special public private personal important possible available
        one two three four five six seven eight nine ten hundred thousand million billion once twice half
        today tomorrow yesterday tonight morning afternoon evening night day days week weeks month months year years
        time times date hour hours minute minutes moment age
        monday tuesday wednesday thursday friday saturday sunday
        january february march april may june july august september october november december
        spring summer autumn fall winter christmas easter holiday holidays weekend birthday anniversary
        man men woman women boy girl boys girls baby babies kid kids child children people person family friend friends
        mother father mom mum dad brother sister son daughter wife husband uncle aunt cousin parents grandma grandpa
        patient doctor nurse teacher student user users customer client member members staff team manager director
        boss owner agent officer captain chief king queen prince princess lord lady sir madam mister miss
        name names address email phone number fax mobile tel telephone website web site page home office work job
        company business bank card account payment order invoice bill price cost money tax fee total amount balance
        report letter note message mail post news story book books film movie movies song songs music album band show
        game games art photo picture video series season episode chapter title part section item list table figure
        house room city town country state world street road place area region north south east west
        life love death heart mind body soul god devil heaven hell hope faith joy grace glory peace war truth wisdom
        discipline freedom justice power honor honour courage fear trust luck fate destiny spirit
        comedy drama action adventure animation horror thriller mystery suspense romance fantasy fiction documentary
        crime western musical history biography sport sports family
        question answer problem issue idea reason result fact case point way thing things something nothing everything
        anything someone anyone everyone nobody somebody everybody lot lots kind sort type side end top bottom back front
        supposed secretly suddenly finally actually basically honestly seriously maybe perhaps probably certainly
        welcome attention warning note notice important urgent reminder update subject re fw fwd cc bcc attached
        personal info information details contact support service services help faq terms privacy policy
        dr mr mrs ms prof st ave rd blvd inc ltd llc co corp plc gmbh ag sa srl bv
        """)

    /// Countries, nationalities and languages: places and groups, not people.
    static let places = set("""
        afghanistan albania algeria andorra angola argentina armenia australia austria azerbaijan bahamas bahrain
        bangladesh barbados belarus belgium belize benin bhutan bolivia bosnia botswana brazil brunei bulgaria burkina
        burundi cambodia cameroon canada chad chile china colombia comoros congo croatia cuba cyprus czechia czech
        denmark djibouti dominica ecuador egypt eritrea estonia eswatini ethiopia fiji finland france gabon gambia
        georgia germany ghana greece grenada greenland guatemala guinea guyana haiti honduras hungary iceland india
        indonesia iran iraq ireland israel italy jamaica japan jordan kazakhstan kenya kiribati korea kosovo kuwait
        kyrgyzstan laos latvia lebanon lesotho liberia libya liechtenstein lithuania luxembourg madagascar malawi
        malaysia maldives mali malta mauritania mauritius mexico micronesia moldova monaco mongolia montenegro morocco
        mozambique myanmar namibia nauru nepal netherlands holland nicaragua niger nigeria norway oman pakistan palau
        palestine panama paraguay peru philippines poland portugal qatar romania russia rwanda samoa senegal serbia
        seychelles singapore slovakia slovenia somalia spain sudan suriname sweden switzerland syria taiwan
        tajikistan tanzania thailand togo tonga trinidad tunisia turkey turkmenistan tuvalu uganda ukraine uruguay
        uzbekistan vanuatu vatican venezuela vietnam yemen zambia zimbabwe
        america europe asia africa antarctica oceania scandinavia balkans caribbean arctic atlantic pacific mediterranean
        england scotland wales britain uk usa us eu un
        united kingdom states republic emirates union federation islands island isle kingdom empire
        northern southern eastern western central north south east west upper lower greater new old
        african american asian european english british scottish welsh irish french german dutch italian spanish
        portuguese polish czech slovak slovenian croatian serbian bosnian hungarian romanian bulgarian greek turkish
        russian ukrainian belarusian estonian latvian lithuanian finnish swedish norwegian danish icelandic faroese
        greenlander greenlandic swiss austrian belgian luxembourgish chinese japanese korean vietnamese thai indian
        pakistani bangladeshi indonesian filipino malaysian australian canadian mexican brazilian argentinian
        argentine chilean peruvian colombian venezuelan cuban uruguayan paraguayan bolivian ecuadorian egyptian
        moroccan tunisian algerian nigerian kenyan ethiopian israeli arab arabic persian iranian iraqi syrian
        lebanese jewish christian muslim catholic protestant hindu buddhist latin latino hispanic nordic slavic
        cypriot maltese albanian macedonian georgian armenian azerbaijani kazakh uzbek mongolian tibetan hebrew
        """)

    /// Words that make a capitalised phrase an organisation, a place, an event or a work, not
    /// a person ("Allstate Insurance Group", "Port Whangarei", "Labor Day", "Civil Rights Act").
    static let markers = set("""
        inc ltd llc llp corp corporation co company companies group holdings partners associates plc gmbh ag
        bank insurance capital investments financial finance markets securities fund trust credit
        software systems technologies technology tech solutions services labs networks media digital data analytics
        consulting international global worldwide industries enterprises ventures brands retail foods
        orchestra band club society association foundation institute institution university college school academy
        church cathedral hospital clinic museum library gallery theatre theater cinema hotel restaurant cafe bar
        airlines airways motors automotive pharmaceuticals energy airport station stadium arena center centre
        council committee department ministry agency office bureau commission court parliament congress senate
        army navy police party government authority
        act law day week festival awards award prize cup league championship olympics
        weekly daily times news magazine journal gazette review post herald tribune press radio tv channel
        city county province district region village town township municipality borough parish
        port fort mount mountain lake river bay beach valley island isle islands point harbour harbor cape coast
        street road avenue lane drive boulevard way square plaza park gardens court crescent
        """)

    /// Honorifics: the next capitalised word is a name, even where it would not count alone.
    static let titles = set("""
        mr mrs ms miss mx dr prof professor sir dame lord lady madam mister herr frau mme mlle monsieur madame
        sr sra srta señor señora dott sig sig.ra signor signora pan pani hr fr fru
        """)
}
